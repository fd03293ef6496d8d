"""Every plotting function returns its figure, with the right panels, and saves a PNG."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from course_utils.tools import plotting


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
