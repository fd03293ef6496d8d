"""Every plotting function returns its figure, with the right panels, and saves a PNG;
figures are readable: gallery titles never run into each other or into the images,
posters say what their rows, columns and numbers are."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from course_utils.tools import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _png_ok(path):
    assert path.exists() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_gallery_grid_titles_and_png(tmp_path):
    images = torch.rand(10, 3, 8, 8)
    fig = plotting.gallery(images, [f"ch {i}" for i in range(10)], cols=5,
                           save=tmp_path / "g.png")
    shown = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 10 and len(shown) == 10
    assert [ax.get_title() for ax in shown][:2] == ["ch 0", "ch 1"]
    _png_ok(tmp_path / "g.png")


def test_gallery_shows_the_pixels_it_was_given():
    image = torch.zeros(3, 4, 4)
    image[0] = 1.0  # pure red
    fig = plotting.gallery([image], cols=1)
    shown = fig.axes[0].images[0].get_array()
    assert np.allclose(shown[..., 0], 1) and np.allclose(shown[..., 1:], 0)


def test_filmstrip_has_one_panel_per_snapshot_and_a_curve(tmp_path):
    snaps = {0: torch.rand(3, 8, 8), 5: torch.rand(3, 8, 8), 9: torch.rand(3, 8, 8)}
    fig = plotting.filmstrip(snaps, np.arange(10.0), save=tmp_path / "f.png")
    assert sum(1 for ax in fig.axes if ax.images) == 3
    curve = [ax for ax in fig.axes if ax.lines][0]
    assert np.allclose(curve.lines[0].get_ydata(), np.arange(10.0))
    _png_ok(tmp_path / "f.png")


def test_compare_labels_carry_the_values():
    fig = plotting.compare([torch.rand(3, 8, 8)] * 2, ["a", "b"], values=[1.5, 2.25])
    assert "2.25" in fig.axes[1].get_title()


def test_poster_is_rows_by_columns(tmp_path):
    images = {(r, c): torch.rand(3, 8, 8) for r in ["early", "late"] for c in [0, 5, 9]}
    fig = plotting.poster(images, ["early", "late"], [0, 5, 9], save=tmp_path / "p.png")
    assert len(fig.axes) == 6
    assert fig.axes[3].get_ylabel() == "late"
    _png_ok(tmp_path / "p.png")


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
