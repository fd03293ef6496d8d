"""pytest plugin: keep the notebooks nbval executes, outputs included, for the site.

    PYTHONPATH=site python -m pytest -p nbval_save --save-executed build/executed \
        --nbval-lax notebooks

(``site`` is relative, so the plugin loads from the repository root while the notebook
kernels, which start in notebooks/, never see the site's scripts on their path.)

nbval runs every code cell in a kernel and keeps what the cell produced in
``item.test_outputs``; this plugin writes each notebook back with those outputs once
its last cell has run, so the site is built from the very run that tested it (no
second execution). nbval drops two kinds of kernel messages that a saved notebook
needs, so the plugin applies them to the kept outputs itself: ``update_display_data``
(progress bars and other displays updated in place) and ``clear_output``. And nbval
runs cells with ``store_history=False``, which makes IPython ignore a trailing ``;``
(it looks for it in the history): the result such a cell shows anyway is dropped here,
as a notebook front end would never have shown it.
"""
import os
import time
from pathlib import Path

import pytest

DISPLAY_KEY = "_course_display_id"  # carried in an output's metadata while the cell runs


def pytest_addoption(parser):
    parser.addoption("--save-executed", metavar="DIR", default=None,
                     help="write every notebook nbval runs, with its outputs, into DIR")


def pytest_configure(config):
    folder = config.getoption("save_executed")
    if folder:
        config.pluginmanager.register(SaveExecuted(Path(folder)), "nbval-save-executed")


def _is_nbval_cell(item) -> bool:
    return hasattr(item, "test_outputs") and hasattr(item, "cell") and \
        hasattr(item.parent, "get_kernel_message")


class SaveExecuted:
    """Collects each cell's outputs and writes a notebook when its last cell is done."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.current = None  # the nbval cell running now
        self.started = {}  # notebook node id -> perf_counter at its first cell
        self.patched = set()

    # --- seeing the kernel messages nbval drops ---------------------------------------
    def _watch(self, notebook):
        if id(notebook) in self.patched:
            return
        self.patched.add(id(notebook))
        receive = notebook.get_kernel_message
        plugin = self

        def get_kernel_message(*args, **kwargs):
            msg = receive(*args, **kwargs)
            plugin._apply(notebook, msg)
            return msg

        notebook.get_kernel_message = get_kernel_message

    def _apply(self, notebook, msg):
        kind, content = msg.get("msg_type"), msg.get("content", {})
        cell = self.current
        if cell is None or cell.parent is not notebook:
            return
        if kind in ("display_data", "execute_result", "stream", "error") and \
                getattr(cell, "_course_clear_pending", False):
            cell._course_clear_pending = False
            cell.test_outputs.clear()
        if kind == "display_data":
            display_id = content.get("transient", {}).get("display_id")
            if display_id:  # nbval copies metadata into the output it keeps
                content.setdefault("metadata", {})[DISPLAY_KEY] = display_id
        elif kind == "update_display_data":
            display_id = content.get("transient", {}).get("display_id")
            for output in self._outputs_of(notebook):
                if output.get("metadata", {}).get(DISPLAY_KEY) == display_id:
                    output["data"] = content.get("data", {})
                    output["metadata"] = dict(content.get("metadata", {}),
                                              **{DISPLAY_KEY: display_id})
        elif kind == "clear_output" and msg.get("parent_header", {}).get("msg_type") \
                == "execute_request":
            if content.get("wait"):
                cell._course_clear_pending = True
            elif cell.test_outputs is not None:
                cell.test_outputs.clear()

    def _outputs_of(self, notebook):
        for item in notebook.session.items:
            if getattr(item, "parent", None) is notebook and \
                    getattr(item, "test_outputs", None):
                yield from item.test_outputs

    # --- pytest hooks ---------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        if _is_nbval_cell(item):
            # runs before nbval starts the notebook's kernel: a MPLBACKEND left in this
            # process (Agg draws nothing) must not reach it, or the kept pages lose
            # their figures
            os.environ.pop("MPLBACKEND", None)
            self._watch(item.parent)
            self.started.setdefault(id(item.parent), time.perf_counter())
            self.current = item

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_teardown(self, item, nextitem):
        if not _is_nbval_cell(item):
            return
        self.current = None
        if nextitem is None or nextitem.parent is not item.parent:
            self._write(item.parent)

    def _write(self, notebook):
        import nbformat

        nb = nbformat.from_dict(notebook.nb)  # a copy: nbval keeps comparing with the original
        ran = {i.cell_num: i.test_outputs for i in notebook.session.items
               if getattr(i, "parent", None) is notebook}
        count = 0
        code_cells = [c for c in nb.cells if c.cell_type == "code"]
        for number, cell in enumerate(code_cells):
            outputs = ran.get(number)
            if outputs is None:  # deselected, skipped or never run
                cell.outputs, cell.execution_count = [], None
                continue
            count += 1
            cell.execution_count = count
            quiet = _ends_with_semicolon(cell.source)
            cell.outputs = [_clean(o, count) for o in outputs
                            if not (quiet and o.get("output_type") == "execute_result")]
        seconds = time.perf_counter() - self.started.pop(id(notebook), time.perf_counter())
        fast = os.environ.get("COURSE_FAST", "").strip().lower() in {"1", "true", "yes", "on"}
        nb.metadata["course_build"] = {"model": os.environ.get("COURSE_MODEL", "").strip()
                                       or "auto", "fast": fast, "executor": "nbval",
                                       "seconds": round(seconds, 1)}
        self.folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(self.folder / Path(str(notebook.fspath)).name))


def _ends_with_semicolon(source: str) -> bool:
    """IPython's own rule for a cell whose result is not shown (``plot(...);``)."""
    from IPython.core.displayhook import DisplayHook

    try:
        return bool(DisplayHook.semicolon_at_end_of_expression(source))
    except Exception:  # a cell that does not tokenize shows its error, not a result
        return False


def _clean(output, count):
    """An nbval output → a valid nbformat output (display ids dropped, counts set)."""
    import nbformat

    out = nbformat.from_dict(dict(output))
    if "metadata" in out:
        out.metadata = {k: v for k, v in out.metadata.items() if k != DISPLAY_KEY}
    if out.output_type == "execute_result":
        out.execution_count = count
    return out
