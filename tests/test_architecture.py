"""The package's layout keeps its promises: no import cycle, dependencies at the top of
each module, the learner's path reaching the speed engine through its one door."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "course_utils"
LEARNER_PATH = ["optim/param.py", "optim/objectives.py", "optim/transforms.py", "optim/render.py"]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def own_imports(path: Path):
    """(imported module, is it inside a function?) for each import of course_utils itself."""
    tree = ast.parse(path.read_text())
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    nested = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
              for n in ast.walk(f) if n is not f}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "course_utils":
                continue
            names = [target] if node.module else []
            # "from . import objectives" imports a submodule: count it as that module
            names += [f"{target}.{a.name}" for a in node.names
                      if (PACKAGE.parent / f"{target}.{a.name}".replace(".", "/")).with_suffix(".py").exists()
                      or (PACKAGE.parent / f"{target}.{a.name}".replace(".", "/")).is_dir()]
            for name in names:
                yield name, id(node) in nested
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "course_utils":
                    yield alias.name, id(node) in nested


def graph():
    edges = {}
    for path in PACKAGE.rglob("*.py"):
        edges[module_name(path)] = {m for m, inside in own_imports(path) if not inside}
    return edges


def test_there_is_no_import_cycle():
    edges = graph()
    state = {}

    def visit(node, trail):
        if state.get(node) == "done":
            return
        assert state.get(node) != "open", "import cycle: " + " -> ".join(trail + [node])
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            # a package's __init__ importing its own submodules is not a cycle
            if nxt in edges and not (node.startswith(nxt + ".")):
                visit(nxt, trail + [node])
        state[node] = "done"

    for start in sorted(edges):
        visit(start, [])


def test_the_cycle_check_can_fail(tmp_path, monkeypatch):
    """The checker itself finds a cycle when there is one."""
    pkg = tmp_path / "course_utils"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\n")
    (pkg / "b.py").write_text("from .a import x\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", pkg)
    with pytest.raises(AssertionError, match="import cycle"):
        test_there_is_no_import_cycle()


def test_at_most_two_function_level_imports_of_the_package_each_with_a_reason():
    found = []
    for path in PACKAGE.rglob("*.py"):
        lines = path.read_text().splitlines()
        tree = ast.parse(path.read_text())
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("course_utils")):
                    found.append((path.name, node.lineno, lines[node.lineno - 1]))
    assert len(found) <= 2, found
    for name, lineno, line in found:
        assert "#" in line, f"{name}:{lineno} needs a one-line reason for importing inside a function"


def test_the_learners_path_reaches_the_engine_only_through_its_door():
    for rel in LEARNER_PATH:
        for module, _ in own_imports(PACKAGE / rel):
            assert not module.startswith("course_utils.engine."), (rel, module)


def test_the_engine_knows_nothing_of_the_learners_path():
    for path in (PACKAGE / "engine").rglob("*.py"):
        for module, _ in own_imports(path):
            assert not module.startswith("course_utils.optim"), (path.name, module)


def test_the_loop_fits_its_budget():
    render = (PACKAGE / "optim/render.py").read_text().splitlines()
    assert len(render) <= 200
    tree = ast.parse("\n".join(render))
    loop = next(n for n in ast.walk(tree) if isinstance(n, ast.For))
    assert loop.end_lineno - loop.lineno + 1 <= 25, "the optimization loop must fit on one screen"
