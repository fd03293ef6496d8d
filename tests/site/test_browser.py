"""In a real browser: JupyterLab runs a notebook with the explorer, a learner changes the
layer and the channel and renders; then the built site's pages show their figures.

Chromium comes from the system (Debian's package), driven by Playwright with a fresh
profile and no network features; JupyterLab listens on loopback with a token.
Screenshots go to <site>/screenshots/ (kept by CI)."""
import functools
import hashlib
import http.server
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
KERNEL_IDLE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session &&
            w.sessionContext.session.kernel;
  return !!k && k.status === 'idle';
}"""
ALL_CELLS_RAN = """() => {
  const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
  return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""
PICTURE_HASH = """img => {
  if (!img.complete || img.naturalWidth === 0) return null;
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  return c.toDataURL('image/png');
}"""

CELLS = [
    "from course_utils import load_model\n"
    "from course_utils.tools.explorer import Explorer\n"
    "from course_utils.progress import progress_bar\n"
    "from course_utils.tools import plotting\n"
    "from course_utils.optim import render, channel\n"
    "import time\n"
    "model = load_model('efficientnet_lite0')",
    "for _ in progress_bar(range(5), desc='warm-up', leave=True):\n    time.sleep(0.05)\n"
    "result = render(model, channel('mid', 1), size=32, steps=4)\n"
    "plotting.gallery(result.images, ['mid, channel 1'], cols=1, size=2);",
    "explorer = Explorer(model, steps=24, size=64)\nexplorer.show();",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, seconds: float, proc=None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {seconds} s")


def _stop(proc) -> None:
    """Stop the server and the kernels it started (its own process group)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on 127.0.0.1 with a random token, in a folder holding one notebook."""
    root = tmp_path_factory.mktemp("lab")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Explorer check")] + \
        [nbformat.v4.new_code_cell(src) for src in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, str(root / "explorer_check.ipynb"))
    config = root / ".config"
    (config / "labconfig").mkdir(parents=True)
    (config / "labconfig" / "page_config.json").write_text(
        '{"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": true}}')
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, COURSE_FAST="1", JUPYTER_CONFIG_DIR=str(config),
               JUPYTER_RUNTIME_DIR=str(root / ".runtime"),
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    env.pop("MPLBACKEND", None)
    log = open(root / "lab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         f"--LabApp.workspaces_dir={root / '.workspaces'}",
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for(f"http://127.0.0.1:{port}/api/status?token={token}", 120, proc)
        yield f"http://127.0.0.1:{port}", token
    finally:
        _stop(proc)
        log.close()


@pytest.fixture(scope="module")
def browser(chromium, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh --user-data-dir
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=chromium, headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 900})
        context.set_default_timeout(120_000)
        yield context
        context.close()


@pytest.fixture(scope="module")
def site_server(site_dir):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site_dir))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _error_outputs(page) -> list:
    return page.eval_on_selector_all(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
        "els => els.map(e => e.textContent.slice(0, 300))")


def _choose(page, layer_label_start: str, channel: int) -> str:
    """Pick a layer, wait until the kernel has applied it (the channel range follows),
    then type the channel and wait until the kernel has it too."""
    select = page.locator(".course-explorer-layer select")
    labels = select.evaluate("s => [...s.options].map(o => o.textContent)")
    # ipywidgets writes the spaces of option labels as no-break spaces
    label = next(text for text in labels
                 if text.replace("\u00a0", " ").startswith(layer_label_start))
    count = int(label.replace("\u00a0", " ").rsplit("(", 1)[1].split()[0])
    select.select_option(label=label)
    page.wait_for_function(
        "n => document.querySelector('.course-explorer-channel-range').textContent"
        ".includes('0 to ' + (n - 1))", arg=count)
    box = page.locator(".course-explorer-channel input")
    box.fill(str(channel))
    box.press("Enter")
    page.wait_for_function(
        "c => document.querySelector('.course-explorer-channel input').value === String(c)",
        arg=channel)
    return label


def _render_and_read(page, layer: str, channel: int) -> str:
    """Press Render, wait until the caption names these settings and the button is free
    again; return a digest of the picture's pixels."""
    page.locator(".course-explorer-button").click()
    page.wait_for_function(
        """([layer, channel]) => {
             const caption = document.querySelector('.course-explorer-caption').textContent;
             const button = document.querySelector('.course-explorer-button');
             return caption.startsWith(layer + ' ') || caption.startsWith(layer + ',')
                 ? caption.includes('channel ' + channel + ' of') && !button.disabled
                 : false;
           }""", arg=[layer, channel])
    data = page.locator(".course-explorer-picture").evaluate(PICTURE_HASH)
    assert data, "the rendered picture did not load"
    return hashlib.sha256(data.encode()).hexdigest()


def test_explorer_in_jupyterlab_renders_what_the_controls_say(lab, browser, screenshots):
    url, token = lab
    page = browser.new_page()
    page.goto(f"{url}/lab/tree/explorer_check.ipynb?token={token}")
    page.wait_for_selector(".jp-Notebook .jp-CodeCell")
    page.wait_for_function(KERNEL_IDLE)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(ALL_CELLS_RAN)
    page.wait_for_function(KERNEL_IDLE)
    page.wait_for_selector(".course-explorer-layer select")
    assert _error_outputs(page) == []
    assert page.locator(".jp-OutputArea-output img").count() >= 1  # the inline figure

    label = _choose(page, "late stage", 7)
    layer = label.replace("\u00a0", " ").split(": ", 1)[1].split(" (")[0]
    first = _render_and_read(page, layer, 7)
    assert "The picture shows these settings" in \
        page.locator(".course-explorer-status").inner_text()

    label = _choose(page, "_blocks.3", 2)
    page.wait_for_function(  # the kernel has both settings and says the picture is older
        "() => { const t = document.querySelector('.course-explorer-status').textContent;"
        " return t.includes('changed to _blocks.3, channel 2 of'); }")
    second = _render_and_read(page, "_blocks.3", 2)
    assert second != first, "the picture did not change with the settings"
    assert page.locator(".course-explorer-layer select").evaluate(
        "s => s.options[s.selectedIndex].textContent") == label
    assert page.locator(".course-explorer-channel input").input_value() == "2"
    assert _error_outputs(page) == []
    page.locator(".course-explorer-caption").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "explorer.png"))

    # saved and reloaded: the kept progress bar is a plain output, still there
    page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("() => !document.title.startsWith('●') && "
                           "!document.querySelector('.jp-mod-dirty')")
    page.reload()
    page.wait_for_selector(".jp-Notebook .jp-CodeCell")
    page.wait_for_selector("progress")
    page.wait_for_timeout(3000)  # widgets restore from the kernel
    text = page.locator(".jp-Notebook").inner_text()
    assert "warm-up" in text and "5/5" in text
    assert "model not found" not in text and "Error displaying widget" not in text
    page.close()


def _check_figures(page) -> list:
    """Scroll every image into view (they may load lazily); their natural widths."""
    widths = []
    for img in page.locator(".bd-article img").all():
        img.scroll_into_view_if_needed()
        img.evaluate("i => i.complete ? true : new Promise(r => { i.onload = r; i.onerror = r; })")
        widths.append(img.evaluate("i => i.naturalWidth"))
    return widths


def test_built_site_pages_show_their_figures(site_server, browser, screenshots):
    page = browser.new_page()
    remote = []
    page.on("request", lambda r: remote.append(r.url)
            if not r.url.startswith((site_server, "data:", "blob:")) else None)
    page.goto(f"{site_server}/index.html")
    widths = _check_figures(page)
    assert widths and min(widths) > 0, widths
    page.evaluate("window.scrollTo(0, 0); document.activeElement.blur()")
    page.screenshot(path=str(screenshots / "landing.png"), full_page=True)

    page.locator(f".bd-article a[href='notebooks/{NOTEBOOKS[1].stem}.html']").first.click()
    page.wait_for_load_state("load")
    widths = _check_figures(page)
    assert len(widths) >= 3 and min(widths) > 0, widths
    page.locator(".cell_output img").first.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "notebook.png"))

    page.goto(f"{site_server}/posters.html")
    widths = _check_figures(page)
    assert len(widths) >= 2 and min(widths) > 0, widths
    page.evaluate("window.scrollTo(0, 0); document.activeElement.blur()")
    page.screenshot(path=str(screenshots / "posters.png"), full_page=True)
    assert remote == [], f"the site asked the internet for {remote}"
    page.close()
