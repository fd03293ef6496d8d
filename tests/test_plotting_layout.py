"""Readable figures: gallery titles that never run into each other or into the images,
posters whose rows, columns and numbers say what they are."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest
import torch

from course_utils.tools import plotting


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _boxes(fig):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    shown = [ax for ax in fig.axes if ax.images]
    titles = [ax.title.get_window_extent(renderer) for ax in shown if ax.get_title()]
    images = [ax.images[0].get_window_extent(renderer) for ax in shown]
    labels = [ax.xaxis.label.get_window_extent(renderer) for ax in shown
              if ax.get_xlabel()]
    suptitle = fig._suptitle.get_window_extent(renderer) if fig._suptitle else None
    return titles, images, labels, suptitle


def _overlaps(boxes_a, boxes_b, same=False):
    return [(i, j) for i, a in enumerate(boxes_a) for j, b in enumerate(boxes_b)
            if not (same and i >= j) and a.overlaps(b)]


# titles as the notebooks write them, on both EfficientNets, and longer ones
TITLES = {
    "lite0": [f"_blocks.8 ch {c}" for c in range(10)],
    "lite2": [f"_blocks.11 ch {c}" for c in range(10)],
    "two lines": [f"ch {c}: {10 + c:.1f}\nscore {c:.2f}" for c in range(10)],
    "long": [f"channel {c} of _blocks.11 after 256 steps" for c in range(10)],
}


@pytest.mark.parametrize("kind", TITLES)
def test_gallery_titles_overlap_nothing_at_the_default_size(kind):
    fig = plotting.gallery(torch.rand(10, 3, 64, 64), TITLES[kind], cols=5,
                           suptitle="Lucent render_vis, 32 steps (12 s)")
    titles, images, _, suptitle = _boxes(fig)
    assert len(titles) == 10
    assert _overlaps(titles, titles, same=True) == []
    assert _overlaps(titles, images) == []
    assert not any(suptitle.overlaps(t) for t in titles)


def test_a_title_too_wide_for_its_image_is_shrunk_or_wrapped():
    long = "a very long title that could never fit above one small image"
    fig = plotting.gallery(torch.rand(2, 3, 16, 16), [long, "short"], cols=2, size=1.5)
    title = fig.axes[0].title
    assert title.get_fontsize() < 9 or "\n" in title.get_text()
    assert fig.axes[1].title.get_fontsize() == 9 and fig.axes[1].get_title() == "short"


def test_gallery_captions_go_under_the_images():
    fig = plotting.gallery(torch.rand(4, 3, 16, 16), [f"channel {c}" for c in range(4)],
                           captions=[f"activation {c}.5" for c in range(4)], cols=2)
    titles, images, labels, _ = _boxes(fig)
    assert [ax.get_xlabel() for ax in fig.axes] == [f"activation {c}.5" for c in range(4)]
    for image, label in zip(images, labels):
        assert label.y1 <= image.y0 + 1  # below its image
    assert _overlaps(labels, images) == [] and _overlaps(titles, labels) == []


def test_poster_labels_rows_columns_and_every_number():
    rows, cols = ["early", "mid", "late"], [0, 5, 9]
    images = {(r, c): torch.rand(3, 32, 32) for r in rows for c in cols}
    values = {(r, c): 10.0 + i for i, (r, c) in enumerate(images)}
    randoms = {(r, c): -1.0 + i / 10 for i, (r, c) in enumerate(images)}
    labels = ["early stage\n_blocks.2", "mid stage\n_blocks.8", "late stage\n_blocks.14"]
    fig = plotting.poster(images, rows, cols, row_labels=labels, values=values,
                          baselines=randoms, title="efficientnet_lite0: 32 steps, 64 px")
    axes = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in axes[:3]] == ["channel 0", "channel 5", "channel 9"]
    assert all(ax.get_title() == "" for ax in axes[3:])  # column labels once, on top
    assert [axes[i].get_ylabel() for i in (0, 3, 6)] == labels
    for ax, key in zip(axes, images):
        assert ax.get_xlabel() == (f"activation {values[key]:.1f}\n"
                                   f"random image {randoms[key]:.1f}")
    titles, boxes, under, suptitle = _boxes(fig)
    assert _overlaps(under, boxes) == [] and _overlaps(titles, boxes) == []
    assert not any(suptitle.overlaps(t) for t in titles)


def test_cli_poster_passes_stage_and_layer_labels_and_random_scores(effnet, monkeypatch,
                                                                    tmp_path):
    from course_utils.tools import cli

    seen = {}

    def capture(images, rows, cols, **kwargs):
        seen.update(kwargs, rows=rows, cols=cols)
        return plt.figure()

    monkeypatch.setattr("course_utils.models.load_model", lambda *a, **k: effnet)
    monkeypatch.setattr("course_utils.tools.plotting.poster", capture)
    assert cli.main(["poster", "--layers", "early,_blocks.8", "--channels", "1,2",
                     "--steps", "2", "--size", "32", "--out", str(tmp_path / "p.png"),
                     "--no-progress"]) == 0
    assert seen["row_labels"] == [f"early stage\n{effnet.stages['early']}", "_blocks.8"]
    assert set(seen["baselines"]) == set(seen["values"]) == {
        (layer, c) for layer in (effnet.stages["early"], "_blocks.8") for c in (1, 2)}
    assert "2 steps" in seen["title"] and "32 px" in seen["title"]
