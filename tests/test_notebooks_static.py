"""Committed notebooks: no outputs, the shared opening, badges and links from one place."""
from pathlib import Path

import pytest

from course_utils.tools import links
from course_utils.tools.notebook_tools import problems

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_follows_the_rules(path):
    assert problems(path) == []


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


# --- what the prose may say ---------------------------------------------------------------

# ImageNet class names that are also ordinary words of the course's prose.
ORDINARY_WORDS = {"hook", "laptop", "library", "notebook", "pick", "scale", "screen", "stage",
                  "switch"}


def prose(nb) -> str:
    """The markdown of a notebook without code spans and link targets."""
    import re

    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    text = re.sub(r"`[^`]*`", " ", text)
    return re.sub(r"\]\([^)]*\)", "]", text)


def class_mentions(nb) -> list:
    """Class names and hard-coded class indices named in a notebook's prose."""
    import re

    from course_utils.models import imagenet_labels

    text = prose(nb)
    found = [m.group(0) for m in re.finditer(r"\b(?:class(?: index)?|logit) ?\(?\d+\)?", text,
                                             flags=re.I)]
    for label in set(imagenet_labels()):
        if label.lower() in ORDINARY_WORDS:
            continue
        if re.search(r"(?<![\w-])" + re.escape(label) + r"(?![\w-])", text, flags=re.I):
            found.append(label)
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_prose_names_no_class_and_no_class_index(path):
    """Text must hold on every model: class names and indices come from code output."""
    import nbformat

    assert class_mentions(nbformat.read(str(path), as_version=4)) == []


def test_the_class_check_finds_a_class_name_and_an_index():
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "Does it look like a goldfish? We maximize class 1 (but `logit(1)` in code is fine).")])
    assert sorted(class_mentions(nb)) == ["class 1", "goldfish"]


def mentioned_notebooks(nb) -> set:
    import re

    text = prose(nb)
    numbers = re.findall(r"\bnotebooks? (\d\d)\b", text, flags=re.I)
    numbers += re.findall(r"\bnotebooks (?:\d\d, )*\d\d(?:,)? and (\d\d)\b", text, flags=re.I)
    numbers += re.findall(r"\*\*(\d\d) [A-Z]", text)
    return set(numbers)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_mention_only_notebooks_that_exist(path):
    import nbformat

    existing = {p.name[:2] for p in NOTEBOOKS}
    missing = mentioned_notebooks(nbformat.read(str(path), as_version=4)) - existing
    assert not missing, f"{path.name} refers to notebook(s) {sorted(missing)}, which do not exist"


def test_the_reference_check_finds_a_missing_notebook():
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "Notebook 05 shows this; **09 Something** is next.")])
    assert mentioned_notebooks(nb) == {"05", "09"}


# --- how the code imports the course ------------------------------------------------------

def renamed_course_imports(nb) -> list:
    """``import ... as`` of anything from course_utils: a name that needs renaming to be
    read does not serve the reader; the notebook should use the course's own name."""
    import ast

    found = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # IPython magics: nothing to check
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("course_utils"):
                found += [f"{node.module}.{a.name} as {a.asname}" for a in node.names if a.asname]
            elif isinstance(node, ast.Import):
                found += [f"{a.name} as {a.asname}" for a in node.names
                          if a.asname and a.name.startswith("course_utils")]
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_course_name_is_imported_under_another_name(path):
    import nbformat

    assert renamed_course_imports(nbformat.read(str(path), as_version=4)) == []


def test_the_renaming_check_finds_a_renamed_import():
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import numpy as np\nfrom course_utils.optim import render as cu_render, transforms\n"
        "import course_utils.optim as O")])
    assert renamed_course_imports(nb) == ["course_utils.optim.render as cu_render",
                                          "course_utils.optim as O"]
