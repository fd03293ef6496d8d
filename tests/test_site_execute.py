"""`make course` executes notebooks with figures embedded: its execute step, run the
way the Makefile runs it and with `MPLBACKEND=Agg` in the caller's environment (which
draws nothing), must still give PNG images in the executed notebook."""
import base64
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]

CELLS = [
    "import matplotlib.pyplot as plt\nplt.plot([0, 1, 2], [2, 0, 1])\nplt.show()",
    "import torch\nfrom course_utils.tools import plotting\n"
    "plotting.gallery(torch.rand(2, 3, 8, 8), ['a', 'b'], cols=2);",
    "from course_utils.optim import render\n"
    "from course_utils.models import load_model\n"
    "print('no figure here')",
]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_execute_embeds_png_figures_even_when_the_shell_says_agg(tmp_path):
    notebook = tmp_path / "notebooks" / "01_probe.ipynb"
    notebook.parent.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, str(notebook))
    out = tmp_path / "executed"
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT))
    done = subprocess.run(["make", "-s", "execute", "INSTALL=", f"PY={sys.executable}",
                           f"NOTEBOOKS={notebook}", f"EXECUTED={out}"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    executed = nbformat.read(str(out / notebook.name), as_version=4)
    pngs = [[o for o in cell.outputs if "image/png" in o.get("data", {})]
            for cell in executed.cells]
    assert [len(p) for p in pngs] == [1, 1, 0]
    for (image,) in pngs[:2]:
        raw = base64.b64decode(image.data["image/png"])
        assert raw[:8] == b"\x89PNG\r\n\x1a\n" and len(raw) > 1000
    assert executed.metadata["course_build"]["executor"] == "nbclient"
    assert executed.metadata["course_build"]["seconds"] > 0
