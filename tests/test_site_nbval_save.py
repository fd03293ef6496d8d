"""The nbval run keeps the notebooks it executed (site/nbval_save.py), outputs as a
front end would show them: figures, displays updated in place, cleared outputs."""
import base64
import os
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]

CELLS = [
    "import matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0])\nplt.show()",
    "from IPython.display import display\n"
    "handle = display('first', display_id=True)\n"
    "handle.update('second')\nhandle.update('final')",
    "from IPython.display import clear_output\nprint('old')\nclear_output(wait=True)\n"
    "print('new')",
    "from course_utils.progress import progress_bar\n"
    "kept = list(progress_bar(range(3), desc='kept', leave=True))\n"
    "gone = list(progress_bar(range(3), desc='gone', leave=False))\nprint(kept, gone)",
    "handle.update('changed from a later cell')",
    "1 + 1;  # a trailing semicolon hides the result",
    "2 + 2",
]


def test_saved_notebook_holds_what_the_cells_showed_in_the_end(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# probe")] + \
        [nbformat.v4.new_code_cell(src) for src in CELLS]
    path = tmp_path / "01_probe.ipynb"
    nbformat.write(nb, str(path))
    out = tmp_path / "executed"
    # MPLBACKEND=Agg in the test process (another test may have set it) must not reach
    # the kernels whose notebooks are kept
    # "site" is relative: the plugin loads from site/ (cwd), the kernels never see it
    env = dict(os.environ, PYTHONPATH=f"site{os.pathsep}{ROOT}",
               COURSE_MODEL="efficientnet_lite0", MPLBACKEND="Agg")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(path), "--nbval-lax", "--nbval-current-env",
         "-p", "nbval_save", "--save-executed", str(out), "-q", "-p", "no:randomly",
         "-p", "no:cacheprovider", "--rootdir", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    saved = nbformat.read(str(out / path.name), as_version=4)
    nbformat.validate(saved)
    code = [c for c in saved.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == [1, 2, 3, 4, 5, 6, 7]
    figure = code[0].outputs[0]
    assert base64.b64decode(figure.data["image/png"])[:4] == b"\x89PNG"
    assert [o.data["text/plain"] for o in code[1].outputs] == ["'changed from a later cell'"]
    assert "".join(o.text for o in code[2].outputs) == "new\n"
    bars = [o for o in code[3].outputs if o.output_type == "display_data"]
    assert len(bars) == 2
    assert "3/3" in bars[0].data["text/plain"] and "done" in bars[0].data["text/plain"]
    assert bars[1].data["text/plain"] == ""  # leave=False: emptied when finished
    assert all("_course_display_id" not in o.get("metadata", {})
               for c in code for o in c.outputs)
    assert code[5].outputs == []
    assert [o.data["text/plain"] for o in code[6].outputs] == ["4"]
    assert code[6].outputs[0].execution_count == 7
    assert saved.metadata["course_build"]["executor"] == "nbval"
    assert saved.metadata["course_build"]["model"] == "efficientnet_lite0"
