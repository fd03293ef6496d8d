"""Keep the committed notebooks clean: strip outputs, check the shared opening.

    python -m course_utils.notebook_tools strip notebooks/*.ipynb
    python -m course_utils.notebook_tools check notebooks/*.ipynb
"""
import sys
from pathlib import Path
from typing import List

from .links import colab_badge

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def _read(path):
    import nbformat

    return nbformat.read(str(path), as_version=4)


def strip(path) -> bool:
    """Remove outputs and execution counts, normalise metadata; True if the file changed."""
    import nbformat

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


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 2 or argv[0] not in {"strip", "check"}:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    command, paths = argv[0], argv[1:]
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
