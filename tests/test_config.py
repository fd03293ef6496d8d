"""Fast mode is read from COURSE_FAST; full_or_fast picks the number for the mode."""
import pytest

from course_utils.config import fast_mode, full_or_fast


@pytest.mark.parametrize("value, fast", [("1", True), ("true", True), (" YES ", True),
                                         ("on", True), ("0", False), ("", False),
                                         ("no", False)])
def test_fast_mode_follows_the_variable(monkeypatch, value, fast):
    monkeypatch.setenv("COURSE_FAST", value)
    assert fast_mode() is fast
    assert full_or_fast(256, 32) == (32 if fast else 256)


def test_without_the_variable_it_is_full_mode(monkeypatch):
    monkeypatch.delenv("COURSE_FAST", raising=False)
    assert not fast_mode() and full_or_fast(128, 64) == 128
