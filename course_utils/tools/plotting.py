"""Figures for the course. Every function returns the figure and can save a PNG.

Pictures may be (3, H, W) or (H, W, 3) tensors or arrays, a batch of one (1, 3, H, W),
or grey (H, W); every argument is checked before a figure is made, so a mistake
leaves no half-drawn figure behind.
"""
import textwrap
from typing import Dict, Optional, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from .. import contract
from ..errors import CourseError


def as_hwc(image) -> np.ndarray:
    """A (3, H, W) / (H, W, 3) / (1, 3, H, W) / (H, W) tensor or array → an (H, W, 3) or
    (H, W) float array in [0, 1]."""
    if isinstance(image, torch.Tensor):
        image = image.detach().cpu()
        image = (image.float() if not image.is_complex() else image).numpy()
    try:
        array = np.asarray(image)
        ok = array.dtype.kind in "biuf" and array.size > 0
        array = array.astype(np.float32) if ok else array
    except (TypeError, ValueError):
        ok = False
    if ok and array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if ok and array.ndim == 3 and array.shape[0] in (1, 3) and array.shape[-1] not in (1, 3):
        array = np.moveaxis(array, 0, -1)
    if ok and array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if not ok or not (array.ndim == 2 or (array.ndim == 3 and array.shape[-1] == 3)):
        shape = getattr(array, "shape", None) if ok else type(image).__name__
        raise CourseError(f"A picture must be an image (3, H, W), (H, W, 3), (1, 3, H, W) or "
                          f"(H, W) of numbers, got {shape}. For a batch, show one image: "
                          "images[0].")
    return np.clip(array, 0, 1)


def _pictures(images, name: str = "images") -> list:
    """A non-empty list of pictures, each checked and converted by ``as_hwc``."""
    return [as_hwc(image) for image in contract.non_empty_list(images, name, "[image1, image2]")]


def _texts(texts, count: int, name: str) -> list:
    """``count`` labels (strings or numbers); a list of another length is refused."""
    texts = contract.non_empty_list(texts, name, "['a', 'b']")
    if len(texts) != count:
        raise CourseError(f"{name} has {len(texts)} entries for {count} pictures: give one "
                          "per picture.")
    return [str(t) for t in texts]


def _numbers(values, count: int, name: str) -> list:
    """``count`` real numbers (NaN shows as 'nan')."""
    values = contract.real_list(values, name, "[1.0, 2.0]", finite=False)
    if len(values) != count:
        raise CourseError(f"{name} has {len(values)} entries for {count} items: give one "
                          "per item.")
    return values


def _finish(fig, save: Optional[str]):
    if fig.get_layout_engine() is None:  # grids of images use the "compressed" layout
        fig.tight_layout()
    if save:
        fig.savefig(save, dpi=100, bbox_inches="tight")
    return fig


def _bare(ax):
    """No ticks and no frame, but room for a label under the image (unlike axis('off'))."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def fit_titles(fig, axes, smallest: float = 6.0) -> None:
    """Shrink each axes title, then wrap it, until it is no wider than its axes, so
    neighbouring titles never run into each other."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in axes:
        title = ax.title
        if not title.get_text():
            continue
        room = ax.get_window_extent(renderer).width
        while title.get_window_extent(renderer).width > room and title.get_fontsize() > smallest:
            title.set_fontsize(title.get_fontsize() - 0.5)
        if title.get_window_extent(renderer).width > room:
            lines = title.get_text().split("\n")
            share = room / title.get_window_extent(renderer).width
            width = max(4, int(max(map(len, lines)) * share))
            title.set_text("\n".join(textwrap.fill(line, width=width) for line in lines))


def gallery(images: Sequence, titles: Optional[Sequence[str]] = None, cols: int = 5,
            size: float = 2.2, suptitle: Optional[str] = None, save: Optional[str] = None,
            captions: Optional[Sequence[str]] = None):
    """Images in a grid, a title above each (``titles``) and, optionally, a line under
    each (``captions``, e.g. the activation). Titles never overlap their neighbours.

    images: a non-empty list of pictures. titles, captions: None or one per picture.
    cols: pictures per row (>= 1). size: inches per picture (> 0).
    """
    images = _pictures(images)
    titles = _texts(titles, len(images), "titles") if titles is not None else None
    captions = _texts(captions, len(images), "captions") if captions is not None else None
    cols = contract.whole_number(cols, "cols", minimum=1)
    size = contract.real_number(size, "size", above=0, maximum=20)
    rows = max(1, int(np.ceil(len(images) / cols)))
    text_rows = 0.35 * (1 + max((str(t).count("\n") for t in titles or [""]), default=0))
    text_rows += 0.3 if captions is not None else 0
    fig, axes = plt.subplots(rows, cols, figsize=(cols * size, rows * (size + text_rows) + 0.4),
                             squeeze=False, layout="compressed")
    shown = []
    for i, ax in enumerate(axes.flat):
        if i >= len(images):
            ax.axis("off")
            continue
        ax.imshow(images[i])
        _bare(ax)
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=9)
        if captions is not None:
            ax.set_xlabel(str(captions[i]), fontsize=8)
        shown.append(ax)
    if suptitle:
        fig.suptitle(suptitle)
    fit_titles(fig, shown)
    return _finish(fig, save)


def filmstrip(snapshots: Dict[int, object], history: Sequence[float],
              ylabel: str = "activation", title: Optional[str] = None,
              save: Optional[str] = None):
    """Snapshots of an optimization side by side, and its activation curve below.

    snapshots: a dict step -> picture (may be empty).
    history: the score at each step, numbers (steps,) or (steps, batch).
    """
    contract.instance_of(snapshots, dict, "snapshots", "{0: first_image, 255: last_image}")
    pictures = {step: as_hwc(image[0] if isinstance(image, torch.Tensor) and image.dim() == 4
                             else image) for step, image in snapshots.items()}
    curve_values = contract.tensor_of(history, "history", "result.history (steps, batch)",
                                      dims=(1, 2))
    steps = sorted(pictures)
    fig = plt.figure(figsize=(2.3 * max(len(steps), 3), 5))
    grid = fig.add_gridspec(2, max(len(steps), 1), height_ratios=[1, 1])
    for i, step in enumerate(steps):
        ax = fig.add_subplot(grid[0, i])
        ax.imshow(pictures[step])
        ax.set_title(f"step {step}", fontsize=9)
        ax.axis("off")
    curve = fig.add_subplot(grid[1, :])
    curve.plot(curve_values.numpy())
    for step in steps:
        curve.axvline(step, color="grey", lw=0.5, ls=":")
    curve.set_xlabel("step")
    curve.set_ylabel(ylabel)
    if title:
        fig.suptitle(title)
    return _finish(fig, save)


def compare(images: Sequence, labels: Sequence[str], values: Optional[Sequence[float]] = None,
            value_name: str = "activation", size: float = 3.0, save: Optional[str] = None):
    """Side-by-side panels, each labelled (and with its number, when given).

    images: a non-empty list of pictures; labels: one per picture; values: None or one
    number per picture.
    """
    images = _pictures(images)
    n = len(images)
    labels = _texts(labels, n, "labels")
    values = _numbers(values, n, "values") if values is not None else None
    fig, axes = plt.subplots(1, n, figsize=(n * size, size + 0.6), squeeze=False)
    for i, ax in enumerate(axes[0]):
        ax.imshow(images[i])
        title = labels[i]
        if values is not None:
            title += f"\n{value_name} {values[i]:.2f}"
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    return _finish(fig, save)


def poster(images: Dict[tuple, object], rows: Sequence[str], cols: Sequence[int],
           row_labels: Optional[Sequence[str]] = None, values: Optional[Dict[tuple, float]] = None,
           size: float = 2.4, title: Optional[str] = None, save: Optional[str] = None,
           baselines: Optional[Dict[tuple, float]] = None):
    """A layers × channels grid. ``images[(row, col)]`` is the picture for that cell.

    Rows are labelled on the left (``row_labels``, e.g. "mid stage / _blocks.8"), columns
    on top ("channel 5"); under each image, its activation (``values``) and, when given,
    what a random image scores on the same channel (``baselines``).
    rows, cols: non-empty lists; every (row, col) pair needs a picture in ``images``
    (and a number in ``values`` / ``baselines`` when given). row_labels: None or one per row.
    """
    rows = contract.non_empty_list(rows, "rows", "['mid']")
    cols = contract.non_empty_list(cols, "cols", "[0, 5, 9]")
    contract.instance_of(images, dict, "images", "{('mid', 0): picture}")
    missing = [(r, c) for r in rows for c in cols if (r, c) not in images or
               any(extra is not None and (r, c) not in extra for extra in (values, baselines))]
    if missing:
        raise CourseError(f"No picture (or value) for cell {missing[0]!r}: images needs a "
                          "key (row, col) for every row and column.")
    images = {(r, c): as_hwc(images[(r, c)]) for r in rows for c in cols}
    if row_labels is not None:
        row_labels = _texts(row_labels, len(rows), "row_labels")
    lines = (values is not None) + (baselines is not None)
    fig, axes = plt.subplots(len(rows), len(cols),
                             figsize=(len(cols) * size + 0.6,
                                      len(rows) * (size + 0.25 * lines) + 0.9),
                             squeeze=False, layout="compressed")
    for r, row in enumerate(rows):
        for c, col in enumerate(cols):
            ax = axes[r][c]
            ax.imshow(images[(row, col)])
            _bare(ax)
            if r == 0:
                ax.set_title(f"channel {col}", fontsize=10)
            under = []
            if values is not None:
                under.append(f"activation {values[(row, col)]:.1f}")
            if baselines is not None:
                under.append(f"random image {baselines[(row, col)]:.1f}")
            if under:
                ax.set_xlabel("\n".join(under), fontsize=8)
            if c == 0:
                ax.set_ylabel(row_labels[r] if row_labels else str(row), fontsize=10)
    if title:
        fig.suptitle(title)
    fit_titles(fig, [ax for row in axes for ax in row])
    return _finish(fig, save)


def feature_maps(maps: torch.Tensor, channels: Sequence[int], title: str = "",
                 size: float = 1.8, save: Optional[str] = None):
    """Chosen channels of one feature map (C, H, W) as heat maps.

    maps: a (C, H, W) tensor of finite numbers (one image's activations).
    channels: a non-empty list of channel indices, 0 to C - 1.
    """
    maps = contract.tensor_of(maps, "maps", "acts['mid'][0]")
    if maps.dim() != 3:
        raise CourseError(f"maps must be one image's feature map (C, H, W), got shape "
                          f"{tuple(maps.shape)}. Pick one image: acts[layer][0].")
    channels = [contract.whole_number(c, "each of channels", 0, maps.shape[0] - 1)
                for c in contract.non_empty_list(channels, "channels", "[0, 1, 2]")]
    n = len(channels)
    fig, axes = plt.subplots(1, n, figsize=(n * size, size + 0.5), squeeze=False)
    for ax, ch in zip(axes[0], channels):
        ax.imshow(maps[ch].numpy(), cmap="viridis")
        ax.set_title(f"ch {ch}", fontsize=8)
        ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=10)
    return _finish(fig, save)


def bars(labels: Sequence[str], values: Sequence[float], ylabel: str = "",
         title: Optional[str] = None, save: Optional[str] = None):
    """A labelled bar chart (ablations, top predictions): one number per label."""
    labels = [str(label) for label in contract.non_empty_list(labels, "labels", "['a', 'b']")]
    values = _numbers(values, len(labels), "values")
    fig, ax = plt.subplots(figsize=(max(4, 0.8 * len(labels)), 3))
    ax.bar(range(len(values)), values)
    ax.set_xticks(range(len(values)))
    ax.set_xticklabels(labels, rotation=30, ha="right")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return _finish(fig, save)
