"""Progress bars that stay readable: an HTML bar in a notebook, a text bar elsewhere.

In a notebook the bar is a plain output (``<progress>`` plus a text version) updated in
place, so it is saved with the notebook and still shows after a page reload; nothing
depends on a widget model that a reload or a restarted kernel loses. In a terminal or a
script it is tqdm's text bar.

    for step in progress_bar(range(steps), desc="mid:3"):
        ...
"""
import html
import time
from typing import Callable, Iterable, Optional

MIN_INTERVAL = 0.25  # seconds between two updates of a notebook bar
WIDTH = 20  # characters of the text version of the bar


def in_notebook() -> bool:
    """True inside a Jupyter kernel (JupyterLab, Colab, nbclient, nbval)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def bar_bundle(done: int, total: Optional[int], desc: str, seconds: float,
               state: str = "running") -> dict:
    """The mime bundle of one bar: ``text/html`` and a ``text/plain`` version.

    state: ``running``, ``done`` or ``stopped`` (the loop ended before ``total``)."""
    label = f"{desc}: " if desc else ""
    if total:
        filled = round(WIDTH * done / total)
        text_bar = "#" * filled + "-" * (WIDTH - filled)
        count = f"{done}/{total}"
        meter = f'<progress value="{done}" max="{total}" style="width:14em;vertical-align:middle"></progress>'
    else:
        text_bar, count = "", str(done)
        meter = '<progress style="width:14em;vertical-align:middle"></progress>'
    suffix = {"running": "", "done": " done", "stopped": " stopped early"}[state]
    plain = f"{label}[{text_bar}] {count} in {seconds:.1f} s{suffix}" if text_bar \
        else f"{label}{count} in {seconds:.1f} s{suffix}"
    markup = (f'<div class="course-progress" style="font-family:monospace;font-size:12px">'
              f'{meter} {html.escape(label)}{count} · {seconds:.1f} s{html.escape(suffix)}</div>')
    return {"text/plain": plain, "text/html": markup}


EMPTY = {"text/plain": "", "text/html": ""}


class NotebookBar:
    """One bar shown as a notebook output and updated in place through a display id."""

    def __init__(self, total: Optional[int], desc: str = "", leave: bool = True,
                 display: Optional[Callable] = None, clock: Callable = time.perf_counter):
        if display is None:
            from IPython.display import display
        self.total, self.desc, self.leave, self.clock = total, desc, leave, clock
        self.done, self.start = 0, clock()
        self.last = self.start
        self.handle = display(bar_bundle(0, total, desc, 0.0), raw=True, display_id=True)

    def update(self, done: int) -> None:
        """Show ``done`` steps, at most every ``MIN_INTERVAL`` seconds (and at the end)."""
        self.done = done
        now = self.clock()
        if done == self.total or now - self.last >= MIN_INTERVAL:
            self.last = now
            self.handle.update(bar_bundle(done, self.total, self.desc, now - self.start),
                               raw=True)

    def close(self) -> None:
        """Finished: keep the bar (``leave``) or empty it; stopped early: always keep it."""
        finished = self.total is None or self.done >= self.total
        if finished and not self.leave:
            self.handle.update(EMPTY, raw=True)
        else:
            self.handle.update(bar_bundle(self.done, self.total, self.desc,
                                          self.clock() - self.start,
                                          "done" if finished else "stopped"), raw=True)


def progress_bar(iterable: Iterable, desc: str = "", total: Optional[int] = None,
                 disable: bool = False, leave: bool = True):
    """Iterate over ``iterable`` showing progress (the arguments mean what tqdm's do)."""
    if disable:
        yield from iterable
        return
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)
    if not in_notebook():
        from tqdm.std import tqdm

        yield from tqdm(iterable, desc=desc or None, total=total, leave=leave)
        return
    bar = NotebookBar(total, desc, leave)
    try:
        for i, item in enumerate(iterable, 1):
            yield item
            bar.update(i)
    finally:
        bar.close()
