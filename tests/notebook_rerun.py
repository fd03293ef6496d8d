"""Run every code cell of a notebook twice in one kernel, as a learner re-running cells
would, then check that no hook was left on the model."""
import os
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

FINAL_CHECK = """
from course_utils.hooks import count_hooks
assert count_hooks(model.module) == 0, f"{count_hooks(model.module)} hooks left on the model"
print("HOOKS_OK")
"""


def run_twice(name: str) -> str:
    """Execute ``name``'s code cells twice in one kernel; return the last cell's output."""
    import nbclient
    import nbformat

    nb = nbformat.read(str(NOTEBOOKS / name), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    nb.cells = code + [nbformat.v4.new_code_cell(c.source) for c in code]
    nb.cells.append(nbformat.v4.new_code_cell(FINAL_CHECK))
    # set for this kernel only: the pytest worker's own environment is inherited by the
    # nbval kernels it starts later, and Agg there would drop the site's figures
    env = dict(os.environ)
    env.setdefault("COURSE_FAST", "1")
    env.setdefault("MPLBACKEND", "Agg")
    client = nbclient.NotebookClient(nb, timeout=900, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute(env=env)
    return "".join(o.get("text", "") for o in nb.cells[-1].outputs)
