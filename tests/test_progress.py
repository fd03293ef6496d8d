"""Progress bars: a plain notebook output updated in place (so a reload still shows
it), throttled, emptied or marked when done; tqdm's text bar outside notebooks."""
import pytest

from course_utils import progress
from course_utils.progress import EMPTY, NotebookBar, bar_bundle, progress_bar


class FakeHandle:
    def __init__(self, log):
        self.log = log

    def update(self, bundle, raw=False):
        assert raw
        self.log.append(("update", bundle))


class FakeDisplay:
    """Records what a notebook front end would receive."""

    def __init__(self):
        self.log = []

    def __call__(self, bundle, raw=False, display_id=False):
        assert raw and display_id
        self.log.append(("display", bundle))
        return FakeHandle(self.log)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_bundle_has_html_progress_and_the_same_numbers_as_text():
    bundle = bar_bundle(16, 32, "mid:3", 1.25)
    assert '<progress value="16" max="32"' in bundle["text/html"]
    assert "mid:3" in bundle["text/html"] and "16/32" in bundle["text/html"]
    assert bundle["text/plain"].startswith("mid:3: [") and "16/32" in bundle["text/plain"]
    assert bundle["text/plain"].count("#") == 10  # half of the 20-character bar
    assert "1.2 s" in bundle["text/plain"] or "1.3 s" in bundle["text/plain"]


def test_bundle_escapes_html_in_the_label():
    assert "<b>" not in bar_bundle(1, 2, "<b>x</b>", 0.0)["text/html"]


def test_updates_are_throttled_and_the_last_step_always_shows():
    display, clock = FakeDisplay(), Clock()
    bar = NotebookBar(100, "x", display=display, clock=clock)
    for step in range(1, 101):
        clock.now += 0.01  # 1 s in all: about 4 updates at 0.25 s apart
        bar.update(step)
    updates = [b for kind, b in display.log if kind == "update"]
    assert 3 <= len(updates) <= 6
    assert "100/100" in updates[-1]["text/plain"]


def test_finished_bar_is_emptied_unless_asked_to_stay():
    display = FakeDisplay()
    bar = NotebookBar(3, "x", leave=False, display=display, clock=Clock())
    bar.update(3)
    bar.close()
    assert display.log[-1] == ("update", EMPTY)
    display = FakeDisplay()
    bar = NotebookBar(3, "x", leave=True, display=display, clock=Clock())
    bar.update(3)
    bar.close()
    assert "3/3" in display.log[-1][1]["text/plain"] and "done" in display.log[-1][1]["text/plain"]


def test_an_interrupted_loop_leaves_a_stopped_bar(monkeypatch):
    display = FakeDisplay()
    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    monkeypatch.setattr(progress, "NotebookBar",
                        lambda total, desc, leave: NotebookBar(total, desc, leave,
                                                               display=display, clock=Clock()))
    with pytest.raises(KeyboardInterrupt):
        for step in progress_bar(range(10), desc="x", leave=False):
            if step == 4:
                raise KeyboardInterrupt
    last = display.log[-1][1]
    assert "stopped early" in last["text/plain"] and "4/10" in last["text/plain"]


def test_in_a_notebook_every_item_is_yielded_once(monkeypatch):
    display = FakeDisplay()
    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    monkeypatch.setattr(progress, "NotebookBar",
                        lambda total, desc, leave: NotebookBar(total, desc, leave,
                                                               display=display, clock=Clock()))
    assert list(progress_bar(range(5), desc="x", leave=False)) == [0, 1, 2, 3, 4]
    assert display.log[0][0] == "display" and "0/5" in display.log[0][1]["text/plain"]
    assert display.log[-1] == ("update", EMPTY)


def test_outside_a_notebook_it_is_a_text_bar(capsys):
    assert not progress.in_notebook()
    assert list(progress_bar(range(3), desc="steps")) == [0, 1, 2]
    assert "3/3" in capsys.readouterr().err


def test_disabled_bar_shows_nothing(capsys, monkeypatch):
    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    assert list(progress_bar(range(3), disable=True)) == [0, 1, 2]
    assert capsys.readouterr() == ("", "")
