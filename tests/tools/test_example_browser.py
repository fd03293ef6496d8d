"""The example browser: a channel's synthetic image beside its strongest and weakest bank
patches, drawn without widgets by run(); a stage it does not have is refused."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from course_utils.errors import CourseError  # noqa: E402
from course_utils.studies.image_bank import build_bank  # noqa: E402
from course_utils.tools.example_browser import ExampleBrowser  # noqa: E402


@pytest.fixture
def browser(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path))
    bank = build_bank(tiny.input_size, photos=["chelsea", "coffee"], zooms=(1, 2))
    return ExampleBrowser(tiny, bank, steps=2, size=16, k=3)


def test_run_draws_the_synthetic_image_and_the_top_and_bottom_patches(browser):
    fig = browser.run("mid", 2)
    try:
        assert browser.shown == ("mid", 2)
        titled = [ax.get_title() for ax in fig.axes]
        assert titled[0] == "synthetic" and len(fig.axes) == 2 * (3 + 1)
        pictured = [ax for ax in fig.axes if ax.images]
        assert len(pictured) == 1 + 2 * 3  # the synthetic image and 3 + 3 patches
        assert "conv2 (mid), channel 2" in fig._suptitle.get_text()
        assert "mid" in browser.activations  # the bank is run once per stage
    finally:
        plt.close(fig)


def test_a_stage_or_channel_it_does_not_have_is_refused(browser):
    with pytest.raises(CourseError, match="stage must be one of 'early', 'mid', 'late'"):
        browser.run("conv1", 0)
    with pytest.raises(CourseError, match="whole number from 0 to 5"):
        browser.run("mid", 6)
    with pytest.raises(CourseError, match="k must be a whole number"):
        ExampleBrowser(browser.model, browser.bank, k=0)
