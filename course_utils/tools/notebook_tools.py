"""Keep the committed notebooks clean, and make the student versions.

    python -m course_utils.tools.notebook_tools strip notebooks/*.ipynb
    python -m course_utils.tools.notebook_tools check notebooks/*.ipynb
    python -m course_utils.tools.notebook_tools student build/student notebooks/*.ipynb

The notebooks in ``notebooks/`` are the solution versions: every exercise's solution sits
between ``### BEGIN SOLUTION`` and ``### END SOLUTION``. ``student`` writes copies in
which nbgrader's own ``ClearSolutions`` preprocessor has replaced each solution with
``raise NotImplementedError()``; the exercise checkers then say "not done yet" and use
the reference, so a student notebook runs top to bottom.
"""
import sys
from pathlib import Path
from typing import List

import nbformat
from nbgrader.preprocessors import ClearOutput, ClearSolutions

from .links import colab_badge

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def _read(path):
    return nbformat.read(str(path), as_version=4)


def strip(path) -> bool:
    """Remove outputs and execution counts, normalise metadata; True if the file changed."""
    nb = _read(path)
    before = nbformat.writes(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata = {}
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    after = nbformat.writes(nb)
    if after != before:
        Path(path).write_text(after + ("" if after.endswith("\n") else "\n"))
    return after != before


def problems(path) -> List[str]:
    """What is wrong with a committed notebook (empty list when it follows the rules)."""
    nb = _read(path)
    name = Path(path).name
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count):
            found.append(f"{name}: cell {i} has outputs; run `make strip`")
    first = nb.cells[0].source if nb.cells else ""
    if not first.startswith("# "):
        found.append(f"{name}: the first cell must start with the '# ' title")
    if colab_badge(name) not in first:
        found.append(f"{name}: the Colab badge is missing or points elsewhere")
    for label in ("**What you will learn.**", "**Time:**"):
        if label not in first:
            found.append(f"{name}: the opening lacks {label}")
    setup = nb.cells[1].source if len(nb.cells) > 1 else ""
    if "google.colab" not in setup or "course_utils.require(" not in setup:
        found.append(f"{name}: the second cell must be the setup cell")
    sources = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for heading in ("## Summary", "## What's next"):
        if heading not in sources:
            found.append(f"{name}: missing the '{heading}' section")
    if nb.metadata.get("kernelspec", {}).get("name") != KERNELSPEC["name"]:
        found.append(f"{name}: kernelspec must be {KERNELSPEC['name']!r}")
    return found


def student_version(path, out_dir) -> Path:
    """Write the student version of notebook ``path`` into ``out_dir``; returns its path."""
    nb = _read(path)
    nb, _ = ClearSolutions(enforce_metadata=False).preprocess(nb, {})
    nb, _ = ClearOutput().preprocess(nb, {})
    left = [c.source for c in nb.cells if any(m in c.source for m in SOLUTION_MARKERS)]
    if left:
        raise ValueError(f"{path}: solution markers left after clearing: {left[0][:80]!r}")
    out = Path(out_dir) / Path(path).name
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(out))
    return out


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 2 or argv[0] not in {"strip", "check", "student"}:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    command, paths = argv[0], argv[1:]
    if command == "student":
        out_dir, notebooks = paths[0], paths[1:]
        for p in notebooks:
            print(f"student version: {student_version(p, out_dir)}")
        return 0
    if command == "strip":
        for p in paths:
            if strip(p):
                print(f"stripped {p}")
        return 0
    issues = [msg for p in paths for msg in problems(p)]
    print("\n".join(issues) or "all notebooks follow the rules")
    return 1 if issues else 0


if __name__ == "__main__":
    sys.exit(main())
