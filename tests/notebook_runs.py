"""The ways a notebook is run besides nbval, each in a fresh kernel, in fast mode:

- ``run_twice``: every code cell twice in one kernel, as a learner re-running cells
  would; then no hook may be left on any course model;
- ``run_on_inceptionv1``: on InceptionV1 with a weights file of the right shapes
  (random values) in a temporary ``TORCH_HOME``, as a cached download would be;
- ``run_student``: the student version (solutions cleared by nbgrader), top to bottom,
  no exercise solved: each checker must say so and hand the reference on.
"""
import os
from pathlib import Path
from typing import Dict, List

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SKIPPED = "– skipped, needs a trained network"
NOT_DONE = "not done yet"

# the last cell of every run: no course model in the kernel may keep a hook
FINAL_CHECK = """
from course_utils.course_model import CourseModel
from course_utils.hooks import count_hooks
_models = {n: v for n, v in list(globals().items()) if isinstance(v, CourseModel)}
_left = {n: count_hooks(v.module) for n, v in _models.items()}
assert _models and not any(_left.values()), f"hooks left on the models: {_left}"
print("HOOKS_OK", sorted(_models))
"""


def execute(nb, env: Dict[str, str]) -> List[str]:
    """Run ``nb`` in a fresh kernel started in notebooks/ with ``env`` added to this
    process's environment (for that kernel only); return each code cell's text output."""
    import nbclient

    kernel_env = {**os.environ, "COURSE_FAST": "1", "MPLBACKEND": "Agg", **env}
    client = nbclient.NotebookClient(nb, timeout=1800, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute(env=kernel_env)
    return ["".join(o.get("text", "") for o in c.get("outputs", [])) for c in nb.cells
            if c.cell_type == "code"]


def _with_final_check(nb):
    import nbformat

    nb.cells.append(nbformat.v4.new_code_cell(FINAL_CHECK))
    return nb


def run_twice(name: str) -> str:
    """Execute ``name``'s code cells twice in one kernel; return the last cell's output."""
    import nbformat

    nb = nbformat.read(str(NOTEBOOKS / name), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    nb.cells = code + [nbformat.v4.new_code_cell(c.source) for c in code]
    return execute(_with_final_check(nb), {})[-1]


def run_on_inceptionv1(name: str, torch_home: Path) -> str:
    """Execute ``name`` on InceptionV1 (weights from ``torch_home``); all text output."""
    import nbformat

    nb = nbformat.read(str(NOTEBOOKS / name), as_version=4)
    outputs = execute(_with_final_check(nb), {"COURSE_MODEL": "inceptionv1",
                                              "TORCH_HOME": str(torch_home)})
    return "\n".join(outputs)


def run_student(name: str, out_dir: Path) -> str:
    """Make the student version of ``name`` in ``out_dir`` and execute it; all text output."""
    import nbformat

    from course_utils.tools.notebook_tools import student_version

    path = student_version(NOTEBOOKS / name, out_dir)
    nb = nbformat.read(str(path), as_version=4)
    return "\n".join(execute(_with_final_check(nb), {"COURSE_MODEL": "efficientnet_lite0"}))


def solution_regions(name: str) -> int:
    """How many ``### BEGIN SOLUTION`` regions notebook ``name`` has."""
    return (NOTEBOOKS / name).read_text().count("### BEGIN SOLUTION")


def notebook_tests(name: str, twice: bool) -> dict:
    """The per-notebook tests of ``name``, to put into a test module's namespace
    (one module per notebook, so pytest-xdist's ``--dist loadfile`` spreads them)."""

    def test_runs_twice_without_leaking_hooks():
        assert "HOOKS_OK" in run_twice(name)

    def test_runs_on_inceptionv1_with_visible_skips_only(torch_home):
        text = run_on_inceptionv1(name, torch_home)
        assert "Using inceptionv1" in text and "HOOKS_OK" in text
        for line in text.splitlines():
            if line.startswith(SKIPPED):  # a skip names the check it skipped
                assert len(line) > len(SKIPPED) + 10, line

    def test_student_version_runs_top_to_bottom_on_the_references(tmp_path):
        text = run_student(name, tmp_path)
        assert "HOOKS_OK" in text
        assert text.count(NOT_DONE) == solution_regions(name)

    tests = [test_runs_on_inceptionv1_with_visible_skips_only,
             test_student_version_runs_top_to_bottom_on_the_references]
    return {t.__name__: t for t in ([test_runs_twice_without_leaking_hooks] if twice else [])
            + tests}
