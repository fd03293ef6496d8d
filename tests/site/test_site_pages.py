"""The built course site, read as files: every notebook page with its figures, a landing
page that links everything, the footer, no warnings, nothing fetched from the internet."""
import glob
import json
import re
from html.parser import HTMLParser
from importlib.metadata import version
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
PNG = b"\x89PNG\r\n\x1a\n"


class Page(HTMLParser):
    """Links, images, scripts and stylesheets of one HTML page, and its visible text."""

    def __init__(self, path: Path):
        super().__init__()
        self.path, self.links, self.images, self.assets, self.text = path, [], [], [], []
        self.classes = []
        self._skip = 0
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.classes.extend((attrs.get("class") or "").split())
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        if tag in ("script", "img", "iframe", "source") and attrs.get("src"):
            self.assets.append(attrs["src"])
        if tag == "link" and attrs.get("href") and "stylesheet" in (attrs.get("rel") or "") \
                or tag == "link" and attrs.get("rel") in ("preload", "modulepreload"):
            self.assets.append(attrs.get("href", ""))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)

    def visible_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def pages(site_dir: Path):
    found = [Path(p) for p in glob.glob(str(site_dir / "*.html"))]
    found += [Path(p) for p in glob.glob(str(site_dir / "notebooks" / "*.html"))]
    return sorted(found)


def record(site_dir: Path) -> dict:
    """What the executed notebooks say about the build (model, fast mode)."""
    runs = {json.dumps(nbformat.read(str(p), as_version=4).metadata["course_build"],
                       sort_keys=True) for p in (site_dir / "executed").glob("*.ipynb")}
    first = json.loads(sorted(runs)[0])
    return {"model": first["model"], "fast": first["fast"]}


def test_landing_page_links_every_notebook_and_the_posters(site_dir):
    index = Page(site_dir / "index.html")
    for nb in NOTEBOOKS:
        assert f"notebooks/{nb.stem}.html" in index.links, nb.name
        assert (site_dir / "notebooks" / f"{nb.stem}.html").is_file(), nb.name
    assert "posters.html" in index.links
    text = index.visible_text()
    for words in ("Who it is for", "How to run it", "Colab", "Binder", "make course"):
        assert words in text, words
    for nb in NOTEBOOKS:  # the time estimate read from each notebook
        opening = nbformat.read(str(nb), as_version=4).cells[0].source
        estimate = " ".join(opening.split("**Time:**")[1].split())[:30]
        assert estimate in text, (nb.name, estimate)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_page_carries_at_least_three_figures(site_dir, notebook):
    page = Page(site_dir / "notebooks" / f"{notebook.stem}.html")
    figures = []  # cell outputs: embedded, or written by the site build to _images/
    for src in page.images:
        if src.startswith("data:image/png"):
            figures.append(src)
        elif src.startswith("../_images/") and src.endswith(".png"):
            target = page.path.parent / src
            assert target.read_bytes()[:8] == PNG, target
            figures.append(src)
    assert len(figures) >= 3, f"{notebook.name}: {len(figures)} figures: {page.images}"


@pytest.mark.parametrize("notebook", NOTEBOOKS[:-1], ids=lambda p: p.name)
def test_each_notebook_page_links_to_the_next(site_dir, notebook):
    following = NOTEBOOKS[NOTEBOOKS.index(notebook) + 1]
    page = Page(site_dir / "notebooks" / f"{notebook.stem}.html")
    assert f"{following.stem}.html" in page.links


def test_footer_names_model_mode_and_versions_on_every_page(site_dir):
    build = record(site_dir)
    mode = "fast mode" if build["fast"] else "full mode"
    for path in pages(site_dir):
        text = Page(path).visible_text()
        assert f"with model {build['model']} in {mode}" in text, path.name
        for package in ("course-utils", "torch", "torch-lucent", "jupyter-book"):
            assert f"{package} {version(package)}" in text, (path.name, package)


def test_no_warning_text_and_no_stderr_output_on_any_page(site_dir):
    for path in pages(site_dir):
        html = path.read_text(encoding="utf-8")
        assert "Warning" not in html, (path.name, html[html.find("Warning") - 200:][:400])
        assert "stderr" not in Page(path).classes, path.name


def test_nothing_is_fetched_from_the_internet(site_dir):
    for path in pages(site_dir):
        remote = [a for a in Page(path).assets if re.match(r"^(https?:)?//", a)]
        assert not remote, (path.name, remote)


def test_posters_page_shows_each_render_with_a_caption(site_dir):
    build = record(site_dir)
    page = Page(site_dir / "posters.html")
    images = [src for src in page.images if src.endswith(".png")]
    assert len(images) >= 2
    for src in images:
        assert (site_dir / src).read_bytes()[:8] == PNG
    text = page.visible_text()
    assert text.count(f"Model {build['model']}") == len(images)
    assert len(re.findall(r"\d+ steps at \d+ px", text)) == len(images)
    assert "channels 0, 5, 9" in text and "mid stage" in text
