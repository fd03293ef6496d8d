"""The package keeps the promises of docs/architecture.md: every module is on the map,
every import follows the table of what may import what, no import cycle, dependencies at
the top of each module. Each check is also shown to fail on a planted violation."""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "course_utils"
DOC = ROOT / "docs" / "architecture.md"


# --- reading the package ------------------------------------------------------------------

def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def key(dotted: str) -> str:
    """'course_utils.optim.render' -> 'optim/render'; a package -> 'optim/__init__'."""
    rel = dotted.split(".")[1:]
    if (PACKAGE.joinpath(*rel)).is_dir():
        rel.append("__init__")
    return "/".join(rel) or "__init__"


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
            for alias in node.names:
                sub = PACKAGE.parent.joinpath(*f"{target}.{alias.name}".split("."))
                if sub.with_suffix(".py").exists() or sub.is_dir():
                    names.append(f"{target}.{alias.name}")
            if not names:  # "from . import __version__": the package itself
                names = [target]
            for name in names:
                yield name, id(node) in nested
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "course_utils":
                    yield alias.name, id(node) in nested


def modules():
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


# --- reading the document -----------------------------------------------------------------

def import_table():
    """[(module patterns, allowed patterns)] from the table under "What may import what"."""
    text = DOC.read_text()
    section = text.split("## What may import what", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or not cells[0].startswith("`"):
            continue
        rows.append((re.findall(r"`([^`]+)`", cells[0]), cells[1]))
    first_package = next(i for i, (mods, _) in enumerate(rows) if any("/" in p for p in mods))
    foundations = {p for mods, _ in rows[:first_package] for p in mods}
    table = []
    for mods, allowed in rows:
        if allowed == "anything":
            names = None
        else:
            names = set(re.findall(r"`([^`]+)`", allowed))
            if "the foundations" in allowed:
                names |= foundations
        table.append((mods, names))
    return table


def matches(pattern: str, module_key: str) -> bool:
    """`optim/*`: any module in optim; `engine`: the engine's door only; `errors`: itself."""
    if pattern.endswith("/*"):
        return module_key.startswith(pattern[:-1])
    return module_key in (pattern, f"{pattern}/__init__")


def violations():
    """Every import the table does not allow, and every module no row covers."""
    table, found = import_table(), []
    for name, path in modules().items():
        here = key(name)
        rows = [allowed for mods, allowed in table if any(matches(p, here) for p in mods)]
        if len(rows) != 1:
            found.append(f"{here}: covered by {len(rows)} rows of the table, not 1")
            continue
        if rows[0] is None:
            continue
        for target, _ in own_imports(path):
            there = key(target)
            if there != "__init__" and not any(matches(p, there) for p in rows[0]):
                found.append(f"{here} imports {there}")
    return found


def mapped_modules():
    """The paths the tree in the document names: {'optim/render.py', ...}."""
    tree = DOC.read_text().split("```", 2)[1]
    folders, named = [], set()
    for line in tree.splitlines():
        match = re.search(r"── (\S+)", line)
        if not match:
            continue
        depth = line.index("──") // 4
        folders = folders[:depth]
        name = match.group(1)
        if name.endswith("/"):
            folders.append(name.rstrip("/"))
        else:
            named.add("/".join(folders + [name]))
    return named


def unmapped():
    actual = {str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")}
    return sorted(actual - mapped_modules()), sorted(mapped_modules() - actual)


# --- the rules ------------------------------------------------------------------------------

def test_every_import_follows_the_table():
    assert violations() == []


def test_the_map_names_every_module_and_no_other():
    missing, gone = unmapped()
    assert missing == [], f"docs/architecture.md does not name {missing}"
    assert gone == [], f"docs/architecture.md names modules that do not exist: {gone}"


def test_there_is_no_import_cycle():
    edges = {name: {m for m, inside in own_imports(path) if not inside}
             for name, path in modules().items()}
    state = {}

    def visit(node, trail):
        if state.get(node) == "done":
            return
        assert state.get(node) != "open", "import cycle: " + " -> ".join(trail + [node])
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            # a package's __init__ importing its own submodules is not a cycle
            if nxt in edges and not node.startswith(nxt + "."):
                visit(nxt, trail + [node])
        state[node] = "done"

    for start in sorted(edges):
        visit(start, [])


def test_at_most_two_function_level_imports_of_the_package_each_with_a_reason():
    found = []
    for path in PACKAGE.rglob("*.py"):
        lines = path.read_text().splitlines()
        for func in ast.walk(ast.parse(path.read_text())):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.ImportFrom) and (
                        node.level or (node.module or "").startswith("course_utils")):
                    found.append((path.name, node.lineno, lines[node.lineno - 1]))
    assert len(found) <= 2, found
    for name, lineno, line in found:
        assert "#" in line, f"{name}:{lineno} needs a one-line reason for importing inside a function"


TYPE_CALLS = {"isinstance", "issubclass", "callable", "hasattr", "type"}
JUSTIFIED = {}  # (module, function) -> why a hand-written check of a type or range stays


def hand_written_checks():
    """``raise CourseError`` under an ``if`` that tests a type (isinstance, callable, ...),
    a range (<, <=, >, >=) or a fixed set of choices (``in`` a literal or a CONSTANT),
    outside ``contract``: (module, function, line) each."""
    def kind(test):
        for node in ast.walk(test):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in TYPE_CALLS:
                return True
            if isinstance(node, ast.Compare) and any(
                    isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) for op in node.ops):
                return True
            if isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn))
                                                     for op in node.ops) and any(
                    isinstance(c, (ast.Tuple, ast.List, ast.Set)) or
                    (isinstance(c, ast.Name) and c.id.isupper()) for c in node.comparators):
                return True
        return False

    found = []
    for name, path in modules().items():
        if name == "course_utils.contract":
            continue
        tree = ast.parse(path.read_text())
        parent = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                    and getattr(node.exc.func, "id", None) == "CourseError"):
                continue
            guard = parent.get(node)  # the nearest if, unless a handler or a def comes first
            while guard is not None and not isinstance(
                    guard, (ast.If, ast.Try, ast.ExceptHandler, ast.FunctionDef)):
                guard = parent.get(guard)
            if isinstance(guard, ast.If) and kind(guard.test):
                function = guard
                while function is not None and not isinstance(function, ast.FunctionDef):
                    function = parent.get(function)
                where = (key(name), function.name if function else "<module>")
                if where not in JUSTIFIED:
                    found.append(where + (node.lineno,))
    return found


def test_arguments_are_checked_through_contract_only():
    assert hand_written_checks() == []


def test_the_argument_check_finds_a_hand_written_check(tmp_path, monkeypatch):
    planted(tmp_path, monkeypatch, {
        "__init__.py": "", "errors.py": "class CourseError(ValueError): pass\n",
        "contract.py": "def side(x):\n    if x < 8:\n        raise CourseError('small')\n",
        "optim/__init__.py": "",
        "optim/render.py": (
            "from ..errors import CourseError\n"
            "def render(size, kind):\n"
            "    if not isinstance(size, int):\n        raise CourseError('size')\n"
            "    if kind not in ('a', 'b'):\n        raise CourseError('kind')\n"
            "    try:\n        size = int(size)\n"
            "    except ValueError:\n        raise CourseError('not a number')\n"
            "    if size == 3:\n        raise CourseError('three is a relation, not a range')\n")},
        SMALL_DOC)
    assert hand_written_checks() == [("optim/render", "render", 4), ("optim/render", "render", 6)]


def function_lines(path: Path, name: str):
    """(lines of the function ``name`` without its docstring, lines of its longest loop)."""
    tree = ast.parse(path.read_text())
    func = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name)
    first = func.decorator_list[0].lineno if func.decorator_list else func.lineno
    total = func.end_lineno - first + 1
    doc = func.body[0]
    if isinstance(doc, ast.Expr) and isinstance(getattr(doc, "value", None), ast.Constant):
        total -= doc.end_lineno - doc.lineno + 1
    loops = [n.end_lineno - n.lineno + 1 for n in ast.walk(func) if isinstance(n, ast.For)]
    return total, max(loops, default=0)


def test_render_reads_like_the_method_on_one_screen():
    total, loop = function_lines(PACKAGE / "optim" / "render.py", "render")
    assert total <= 40, f"render is {total} lines without its docstring; at most 40"
    assert loop <= 25, f"render's loop is {loop} lines; at most 25"


TESTS = ROOT / "tests"
REPOSITORY_TESTS = {"test_architecture.py", "test_notebooks_static.py", "test_environment_files.py",
                    "test_site_build.py", "test_site_execute.py", "test_site_nbval_save.py"}
NOT_ITS_OWN_FOLDER = {"contract", "runs", "site"}  # the contract layer, notebook runs, the site
WITHOUT_A_TEST_FILE = {  # module -> why
    "optim/__init__.py": "re-exports the method's names, tested where they are defined",
    "studies/__init__.py": "imports nothing", "tools/__init__.py": "imports nothing",
    "exercises/__init__.py": "re-exports the checkers, tested where they are defined",
    "__main__.py": "run by tests/test_course_utils.py",
}


def where_tested(module: str) -> str:
    """Where the tests of ``module`` (a path in the package) live."""
    parts = module[:-3].split("/")
    if parts[-1] == "__init__":
        name = parts[0] if len(parts) > 1 else "course_utils"
        return "/".join(parts[:-1] + [f"test_{name}.py"])
    return "/".join(parts[:-1] + [f"test_{parts[-1]}.py"])


def test_the_tests_mirror_the_package_one_file_per_module():
    modules = {str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")}
    expected = {where_tested(m): m for m in modules}
    missing = sorted(m for m in modules if m not in WITHOUT_A_TEST_FILE
                     and not (TESTS / where_tested(m)).exists())
    assert missing == [], f"modules without their test file: {missing}"
    strays = sorted(str(p.relative_to(TESTS)) for p in TESTS.rglob("test_*.py")
                    if p.parent.name not in NOT_ITS_OWN_FOLDER and p.name not in REPOSITORY_TESTS
                    and str(p.relative_to(TESTS)) not in expected)
    assert strays == [], f"test files that name no module: {strays}"


# --- each check fails on a planted violation --------------------------------------------------

def planted(tmp_path, monkeypatch, files, doc):
    """A package course_utils/ made of ``files`` and its map ``doc``, checked instead of
    the real ones."""
    pkg = tmp_path / "course_utils"
    for name, text in files.items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(text)
    (tmp_path / "architecture.md").write_text(doc)
    monkeypatch.setattr(__import__(__name__), "PACKAGE", pkg)
    monkeypatch.setattr(__import__(__name__), "DOC", tmp_path / "architecture.md")


SMALL_DOC = """# map
```
course_utils/
├── __init__.py
├── errors.py
├── contract.py
└── optim/
    ├── __init__.py
    └── render.py
```
## What may import what
| module | may import |
|---|---|
| `errors` | nothing |
| `contract` | `errors` |
| `optim/*` | the foundations, `optim/*` |
| `__init__` | anything |
"""


def test_the_table_check_fails_on_a_forbidden_import(tmp_path, monkeypatch):
    planted(tmp_path, monkeypatch, {
        "__init__.py": "", "errors.py": "", "optim/__init__.py": "from . import render\n",
        "optim/render.py": "from .. import contract\n",
        "contract.py": "from .errors import CourseError\nfrom .optim import render\n"}, SMALL_DOC)
    assert violations() == ["contract imports optim/__init__", "contract imports optim/render"]
    with pytest.raises(AssertionError):
        test_every_import_follows_the_table()


def test_the_table_check_fails_on_a_module_no_row_covers(tmp_path, monkeypatch):
    planted(tmp_path, monkeypatch, {"__init__.py": "", "errors.py": "", "contract.py": "",
                                    "helpers.py": "", "optim/__init__.py": "",
                                    "optim/render.py": ""}, SMALL_DOC)
    assert violations() == ["helpers: covered by 0 rows of the table, not 1"]


def test_the_map_check_fails_on_a_module_it_does_not_name(tmp_path, monkeypatch):
    planted(tmp_path, monkeypatch, {"__init__.py": "", "errors.py": "", "contract.py": "",
                                    "optim/__init__.py": "", "optim/render.py": "",
                                    "optim/extra.py": ""}, SMALL_DOC)
    assert unmapped() == (["optim/extra.py"], [])
    with pytest.raises(AssertionError, match="does not name"):
        test_the_map_names_every_module_and_no_other()


def test_the_render_check_counts_the_whole_function(tmp_path, monkeypatch):
    body = "\n".join(f"    x = {i}" for i in range(40))
    loop = "\n".join(f"        x = {i}" for i in range(25))
    planted(tmp_path, monkeypatch, {"optim/render.py": (
        f'def render(x):\n    """One line of docstring."""\n{body}\n    for i in x:\n{loop}\n'
    )}, SMALL_DOC)
    assert function_lines(PACKAGE / "optim" / "render.py", "render") == (1 + 40 + 26, 26)
    with pytest.raises(AssertionError, match="at most 40"):
        test_render_reads_like_the_method_on_one_screen()


def test_the_cycle_check_fails_on_a_cycle(tmp_path, monkeypatch):
    planted(tmp_path, monkeypatch, {"__init__.py": "", "a.py": "from . import b\n",
                                    "b.py": "from .a import x\n"}, SMALL_DOC)
    with pytest.raises(AssertionError, match="import cycle"):
        test_there_is_no_import_cycle()
