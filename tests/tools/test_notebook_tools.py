"""The notebook tools: strip outputs and metadata, find what breaks the notebooks' rules,
and write student versions with nbgrader's own preprocessor."""
from pathlib import Path

import nbformat

from course_utils.tools import links
from course_utils.tools.notebook_tools import main, problems, strip, student_version

NOTEBOOK = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("[0-9]*.ipynb"))[0]


def with_outputs(tmp_path) -> Path:
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="hi")]
    nb.cells[1].execution_count = 3
    nb.cells[0].metadata = {"tags": ["x"]}
    path = tmp_path / NOTEBOOK.name
    nbformat.write(nb, str(path))
    return path


def test_strip_removes_outputs_counts_and_metadata_once(tmp_path):
    path = with_outputs(tmp_path)
    assert any("outputs" in p for p in problems(path))
    assert strip(path) is True
    nb = nbformat.read(str(path), as_version=4)
    assert all(not c.get("outputs") and not c.get("execution_count") for c in nb.cells
               if c.cell_type == "code")
    assert all(c.metadata == {} for c in nb.cells)
    assert problems(path) == [] and strip(path) is False  # nothing left to strip


def test_problems_name_a_missing_badge_and_summary(tmp_path):
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace(links.colab_badge(NOTEBOOK.name), "")
    nb.cells = [c for c in nb.cells if "## Summary" not in c.source]
    path = tmp_path / NOTEBOOK.name
    nbformat.write(nb, str(path))
    found = problems(path)
    assert any("Colab badge" in p for p in found) and any("## Summary" in p for p in found)


def test_a_student_version_has_no_solution_left(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n")])
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="4")]
    source = tmp_path / "01_x.ipynb"
    nbformat.write(nb, str(source))
    out = student_version(source, tmp_path / "student")
    cell = nbformat.read(str(out), as_version=4).cells[0]
    assert "raise NotImplementedError()" in cell.source and "2 * x" not in cell.source
    assert "SOLUTION" not in cell.source and cell.outputs == []


def test_the_command_line_checks_and_refuses_unknown_commands(tmp_path, capsys):
    assert main(["check", str(NOTEBOOK)]) == 0
    assert main(["check", str(with_outputs(tmp_path))]) == 1
    assert main(["publish", str(NOTEBOOK)]) == 2
    assert "strip" in capsys.readouterr().err
