"""Build the course site (Jupyter Book 1) from executed notebooks into build/.

    python site/build.py --executed build/executed --out build

Input: one executed copy of every ``notebooks/[0-9]*.ipynb`` (from nbval in
``make test`` or from site/execute.py in ``make course``), each recording in
``metadata.course_build`` the model and mode it ran with. The script

1. reads each notebook's title, "What you will learn" and "**Time:**" line;
2. renders the posters and galleries with the course's command line, on the same
   model and in the same mode, keeping the numbers it prints for the captions;
3. stages a Jupyter Book under ``<out>/.site``: the pages in ``site/`` filled in, the
   notebooks (widgets replaced by a note, empty displays dropped), a generated table
   of contents, and a footer naming model, mode, date and package versions;
4. runs ``jupyter-book build`` (warnings are errors) and copies the HTML into ``<out>``,
   so ``<out>/index.html`` is the landing page.

Nothing here needs the internet: the theme's assets come from the installed packages.
"""
import argparse
import datetime
import json
import re
import shutil
import string
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Dict, List, Optional, Sequence

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "site"
NOTEBOOK_GLOB = "[0-9]*.ipynb"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = ("Interactive widget: it works when you run this notebook in Jupyter or "
               "Colab; a static page cannot run it.")
VERSIONS = ("course-utils", "torch", "torchvision", "torch-lucent", "numpy", "matplotlib",
            "jupyter-book")

# What the posters page shows: the command line's sub-command, its arguments, a title.
POSTERS = (
    {"file": "poster_stages.png", "command": "poster", "title": "Three stages, three channels",
     "args": ["--layers", "early,mid,late", "--channels", "0,5,9"]},
    {"file": "gallery_mid.png", "command": "gallery", "title": "Ten channels of the mid stage",
     "args": ["--layer", "mid", "--channels", "0-9"]},
    {"file": "gallery_late.png", "command": "gallery",
     "title": "Ten channels of the late stage",
     "args": ["--layer", "late", "--channels", "0-9"]},
)
FULL_RENDER, FAST_RENDER = (256, 128), (32, 64)  # (steps, size) for posters


class SiteError(RuntimeError):
    """Something the person building the site must fix; the message says what."""


@dataclass
class Notebook:
    """What the site shows about one notebook."""

    name: str  # file name, e.g. 01_feature_hierarchy.ipynb
    number: str
    title: str
    learn: str
    time: str

    @property
    def page(self) -> str:
        return f"notebooks/{Path(self.name).stem}"


# --- reading the notebooks ---------------------------------------------------------

def describe(name: str, nb) -> Notebook:
    """Title, 'What you will learn' and time estimate from a notebook's opening cell."""
    opening = nb.cells[0].source if nb.cells else ""
    title = re.search(r"^#\s+(.+)$", opening, re.M)
    learn = re.search(r"\*\*What you will learn\.?\*\*\s*(.+?)(?:\n\s*\n|$)", opening, re.S)
    time_ = re.search(r"\*\*Time:\*\*\s*(.+?)(?:\n\s*\n|$)", opening, re.S)
    missing = [what for what, found in (("a '# ' title", title),
                                        ("'**What you will learn.**'", learn),
                                        ("a '**Time:**' line", time_)) if not found]
    if missing:
        raise SiteError(f"{name}: the opening cell lacks {' and '.join(missing)}; every "
                        "notebook opens the same way (see CONTRIBUTING.md).")
    number = name.split("_", 1)[0]
    return Notebook(name, number, " ".join(title.group(1).split()),
                    " ".join(learn.group(1).split()), " ".join(time_.group(1).split()))


def read_executed(executed: Path, sources: Sequence[Path]) -> Dict[str, object]:
    """The executed copy of every source notebook; a clear error when one is missing."""
    import nbformat

    if not sources:
        raise SiteError(f"no notebooks match {ROOT / 'notebooks' / NOTEBOOK_GLOB}")
    missing = [p.name for p in sources if not (executed / p.name).is_file()]
    if missing:
        raise SiteError(f"{executed} has no executed copy of {', '.join(missing)}. Run "
                        "`make course` (or `make test`, whose notebook run keeps them).")
    return {p.name: nbformat.read(str(executed / p.name), as_version=4) for p in sources}


def build_record(notebooks: Dict[str, object]) -> dict:
    """Model and mode shared by all executed notebooks (they must agree)."""
    records = {name: nb.metadata.get("course_build") for name, nb in notebooks.items()}
    unknown = [name for name, r in records.items() if not r]
    if unknown:
        raise SiteError(f"{', '.join(unknown)} carry no metadata.course_build: they were not "
                        "executed by site/execute.py or the nbval run of `make test`.")
    kinds = {(r["model"], r["fast"]) for r in records.values()}
    if len(kinds) > 1:
        raise SiteError("the executed notebooks come from different runs (model, fast mode): "
                        + "; ".join(f"{n}: {r['model']}, fast={r['fast']}"
                                    for n, r in records.items())
                        + ". Execute them again together.")
    model, fast = kinds.pop()
    return {"model": model, "fast": fast,
            "seconds": {n: r.get("seconds") for n, r in records.items()},
            "executor": sorted({r.get("executor", "?") for r in records.values()})}


REMOTE_BADGE = re.compile(r"\[!\[([^\]]*)\]\((?:https?:)?//[^)]+\)\]\(([^)]+)\)")
REMOTE_IMAGE = re.compile(r"!\[([^\]]*)\]\(((?:https?:)?//[^)]+)\)")


def offline_markdown(text: str) -> str:
    """Images from the internet (the Colab badge) become plain links: the site must
    show nothing it would have to fetch."""
    text = REMOTE_BADGE.sub(lambda m: f"[{m.group(1)}]({m.group(2)})", text)
    return REMOTE_IMAGE.sub(lambda m: f"[{m.group(1) or 'image'}]({m.group(2)})", text)


def clean_for_site(nb):
    """Widgets become a short note (a static page cannot run them; their scripts would
    come from a CDN); displays left empty (finished progress bars) are dropped; remote
    images in the text become links."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = offline_markdown(cell.source)
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_MIME in data:
                if "tqdm" in str(data.get("text/plain", "")) or "%|" in str(
                        data.get("text/plain", "")):
                    continue  # a progress-bar widget: nothing to see once it is done
                out["data"] = {"text/html": f"<p><em>{WIDGET_NOTE}</em></p>",
                               "text/plain": WIDGET_NOTE}
            elif out.get("output_type") in ("display_data", "execute_result") and \
                    not any(str(v).strip() for v in data.values()):
                continue
            kept.append(out)
        cell.outputs = kept
    nb.metadata.pop("widgets", None)
    return nb


# --- generated text ----------------------------------------------------------------

def package_versions(names: Sequence[str] = VERSIONS) -> Dict[str, str]:
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def footer(record: dict, versions: Dict[str, str], day: datetime.date) -> str:
    """The footer's HTML: the build's model, mode, date and package versions."""
    mode = ("fast mode (COURSE_FAST=1: fewer steps, smaller images)" if record["fast"]
            else "full mode")
    packages = ", ".join(f"{n} {v}" for n, v in versions.items())
    python = ".".join(map(str, sys.version_info[:3]))
    return (f'<p class="course-build">Built on {day.isoformat()} with model '
            f'<code>{record["model"]}</code> in {mode}. Packages: {packages}; '
            f"Python {python}.</p>")


def notebook_table(notebooks: List[Notebook]) -> str:
    from course_utils.tools import links

    rows = ["| # | Notebook | Time | Open in |", "|---|---|---|---|"]
    for nb in notebooks:
        rows.append(f"| {nb.number} | [{nb.title}]({nb.page}.ipynb) | {nb.time} | "
                    f"[Colab]({links.colab_url(nb.name)}) · [Binder]({links.binder_url(nb.name)}) |")
    return "\n".join(rows)


def notebook_list(notebooks: List[Notebook]) -> str:
    parts = []
    for nb in notebooks:
        parts.append(f"**[{nb.title}]({nb.page}.ipynb).** {nb.learn}")
    return "\n\n".join(parts)


# --- posters -----------------------------------------------------------------------

def render_posters(out: Path, model: str, fast: bool, python: str = sys.executable) -> list:
    """Run the command line for every entry of ``POSTERS``; return (entry, cells, steps,
    size) with the per-image numbers it printed."""
    steps, size = FAST_RENDER if fast else FULL_RENDER
    out.mkdir(parents=True, exist_ok=True)
    made = []
    for entry in POSTERS:
        target = out / entry["file"]
        command = [python, "-m", "course_utils", entry["command"], "--model", model,
                   *entry["args"], "--steps", str(steps), "--size", str(size),
                   "--out", str(target), "--json", "--no-progress"]
        print(f"==> rendering {entry['file']} ({steps} steps, {size} px)", flush=True)
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        print(f"    done in {time.perf_counter() - started:.0f} s", flush=True)
        if done.returncode != 0:
            raise SiteError(f"rendering {entry['file']} failed:\n{' '.join(command)}\n"
                            f"{done.stderr.strip()}")
        cells = [json.loads(line) for line in done.stdout.splitlines()
                 if line.startswith("{")]
        made.append((entry, cells, steps, size))
    return made


def poster_caption(entry: dict, cells: List[dict], model: str, steps: int, size: int) -> str:
    """Model, layers (stage and concrete name), channels, steps, and the activations."""
    layers = list(dict.fromkeys((c["stage"], c["layer"]) for c in cells))
    named = ", ".join(f"{stage} stage ({layer})" if stage else layer for stage, layer in layers)
    channels = ", ".join(str(c) for c in dict.fromkeys(c["channel"] for c in cells))
    ends = [c["activation_end"] for c in cells]
    randoms = [c["activation_random"] for c in cells]
    return (f"{entry['title']}. Model {model}; layer{'s' if len(layers) > 1 else ''} "
            f"{named}; channels {channels}; {steps} steps at {size} px. Activations "
            f"reached {min(ends):.1f} to {max(ends):.1f}; a random image scores "
            f"{min(randoms):.1f} to {max(randoms):.1f} on the same channels.")


def poster_page(made: list, model: str) -> str:
    blocks, commands = [], []
    for entry, cells, steps, size in made:
        caption = poster_caption(entry, cells, model, steps, size)
        blocks.append(f"## {entry['title']}\n\n```{{figure}} posters/{entry['file']}\n"
                      f":alt: {entry['title']}\n:width: 100%\n\n{caption}\n```")
        commands.append(f"python -m course_utils {entry['command']} --model {model} "
                        f"{' '.join(entry['args'])} --steps 256 --size 128 "
                        f"--out {entry['file']} --json")
    template = string.Template((SITE / "posters.md").read_text())
    return template.substitute(figures="\n\n".join(blocks), commands="\n".join(commands))


# --- staging and building ----------------------------------------------------------

def table_of_contents(notebooks: List[Notebook]) -> str:
    lines = ["format: jb-book", "root: index", "parts:", "  - caption: Notebooks",
             "    chapters:"]
    lines += [f"      - file: {nb.page}" for nb in notebooks]
    lines += ["  - caption: Gallery", "    chapters:", "      - file: posters"]
    return "\n".join(lines) + "\n"


def config(record: dict, day: datetime.date) -> str:
    import yaml

    from course_utils.tools import links

    conf = yaml.safe_load((SITE / "_config.yml").read_text())
    conf["html"]["extra_footer"] = footer(record, package_versions(), day)
    conf["repository"]["url"] = links.REPO_URL
    conf["repository"]["branch"] = links.BRANCH
    return yaml.safe_dump(conf, sort_keys=False)


def landing_page(notebooks: List[Notebook], made: list) -> str:
    from course_utils.tools import links

    template = string.Template((SITE / "index.md").read_text())
    page = template.substitute(notebook_table=notebook_table(notebooks),
                               notebook_list=notebook_list(notebooks),
                               clone_url=links.REPO_URL + ".git",
                               folder=links.REPO.split("/")[-1])
    galleries = [e for e, *_ in made if e["command"] == "gallery"]
    if galleries:  # a preview of what the course makes, right under the title
        first = galleries[0]
        preview = (f"```{{image}} posters/{first['file']}\n:alt: {first['title']}\n"
                   f":width: 100%\n```\n")
        title_end = page.index("\n", page.index("# ")) + 1
        page = page[:title_end] + "\n" + preview + page[title_end:]
    return page


def stage(executed: Path, staged: Path, day: Optional[datetime.date] = None,
          render=render_posters) -> dict:
    """Write the Jupyter Book sources into ``staged``; return the build record."""
    import nbformat

    sources = sorted((ROOT / "notebooks").glob(NOTEBOOK_GLOB))
    executed_nbs = read_executed(executed, sources)
    record = build_record(executed_nbs)
    notebooks = [describe(name, nb) for name, nb in executed_nbs.items()]
    if staged.exists():
        shutil.rmtree(staged)
    (staged / "notebooks").mkdir(parents=True)
    for name, nb in executed_nbs.items():
        nbformat.write(clean_for_site(nb), str(staged / "notebooks" / name))
    made = render(staged / "posters", record["model"], record["fast"])
    day = day or datetime.date.today()
    (staged / "_config.yml").write_text(config(record, day))
    (staged / "_toc.yml").write_text(table_of_contents(notebooks))
    (staged / "index.md").write_text(landing_page(notebooks, made))
    (staged / "posters.md").write_text(poster_page(made, record["model"]))
    return record


def jupyter_book(staged: Path, work: Path) -> Path:
    """Run ``jupyter-book build`` with warnings as errors; return the HTML folder."""
    command = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()",
               "build", str(staged), "--path-output", str(work), "--builder", "html",
               "-W", "--keep-going", "--all", "-q"]
    done = subprocess.run(command, text=True, capture_output=True)
    if done.returncode != 0:
        raise SiteError(f"jupyter-book build failed:\n{done.stdout[-4000:]}\n"
                        f"{done.stderr[-4000:]}")
    return work / "_build" / "html"


def publish(html: Path, out: Path) -> None:
    """Copy the built HTML into ``out`` (landing page at ``out/index.html``)."""
    for item in html.iterdir():
        if item.name in (".buildinfo", ".doctrees"):
            continue
        target = out / item.name
        if item.is_dir():
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(item, target)
        else:
            shutil.copy2(item, target)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executed", type=Path, default=ROOT / "build" / "executed",
                        help="folder of executed notebooks (default: build/executed)")
    parser.add_argument("--out", type=Path, default=ROOT / "build",
                        help="where the site goes (default: build)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    out = args.out.resolve()
    try:
        record = stage(args.executed.resolve(), out / ".site")
        print("==> building the site with Jupyter Book", flush=True)
        book_start = time.perf_counter()
        html = jupyter_book(out / ".site", out / ".site-build")
        print(f"    done in {time.perf_counter() - book_start:.0f} s", flush=True)
        publish(html, out)
    except SiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    mode = "fast" if record["fast"] else "full"
    print(f"==> site built in {time.perf_counter() - started:.0f} s ({record['model']}, "
          f"{mode} mode): open {out / 'index.html'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
