"""Committed notebooks: no outputs, the shared opening, badges and links from one place."""
from pathlib import Path

import pytest

from course_utils import links
from course_utils.notebook_tools import problems

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_follows_the_rules(path):
    assert problems(path) == []


def test_problems_detects_outputs(tmp_path):
    import nbformat

    nb = nbformat.read(str(NOTEBOOKS[0]), as_version=4)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="hi")]
    bad = tmp_path / NOTEBOOKS[0].name
    nbformat.write(nb, str(bad))
    assert any("outputs" in p for p in problems(bad))


def test_readme_lists_every_notebook_with_its_links():
    readme = (ROOT / "README.md").read_text()
    for path in NOTEBOOKS:
        assert links.colab_url(path.name) in readme, path.name
        assert links.binder_url(path.name) in readme, path.name


def test_setup_cells_install_from_the_one_repository_address():
    import nbformat

    for path in NOTEBOOKS:
        setup = nbformat.read(str(path), as_version=4).cells[1].source
        assert links.PIP_SPEC in setup, path.name


def test_environment_files_list_the_package_dependencies():
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = [d.split(">")[0].split("=")[0].split("<")[0].strip() for d in deps]
    for f in ["environment.yml", "binder/requirements.txt"]:
        text = (ROOT / f).read_text()
        missing = [n for n in names if n not in text]
        assert not missing, f"{f} lacks {missing}"
