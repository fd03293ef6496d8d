"""Every notebook's code path on InceptionV1, the model Colab learners get.

Its real weights download, so a test writes a weights file of the right shapes (random
values) into a temporary ``TORCH_HOME``, as a cached download would be, and executes each
notebook on it in fast mode. Every cell must run; checks that only hold for a trained
network must say that they were skipped, visibly.
"""
import os
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9]*.ipynb"))
SKIPPED = "– skipped, needs a trained network"


@pytest.fixture(scope="module")
def torch_home(tmp_path_factory):
    from test_inceptionv1_offline import write_weights

    home = tmp_path_factory.mktemp("torch_home")
    write_weights(home / "hub" / "checkpoints" / "inception5h.pth")
    return home


def execute(path: Path, env: dict):
    """Run the notebook in a fresh kernel with ``env``; return its cells' text outputs."""
    import nbclient
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        nbclient.NotebookClient(nb, timeout=1800, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return ["".join(o.get("text", "") for o in c.get("outputs", [])) for c in nb.cells
            if c.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_notebook_runs_on_inceptionv1(path, torch_home):
    outputs = execute(path, {"COURSE_MODEL": "inceptionv1", "COURSE_FAST": "1",
                             "TORCH_HOME": str(torch_home)})
    text = "\n".join(outputs)
    assert "Using inceptionv1" in text
    assert "This notebook took" in text, "the notebook stopped before its last cell"
    for line in text.splitlines():
        if line.startswith(SKIPPED):
            assert len(line) > len(SKIPPED) + 10, f"a skip without its reason: {line!r}"
