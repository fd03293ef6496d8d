"""Figures for the course. Every function returns the figure and can save a PNG."""
import textwrap
from typing import Dict, Optional, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch


def as_hwc(image) -> np.ndarray:
    """A (3, H, W) / (H, W, 3) tensor or array → (H, W, 3) float array in [0, 1]."""
    if isinstance(image, torch.Tensor):
        image = image.detach().float().cpu().numpy()
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 4 and image.shape[0] == 1:
        image = image[0]
    if image.ndim == 3 and image.shape[0] in (1, 3) and image.shape[-1] not in (1, 3):
        image = np.moveaxis(image, 0, -1)
    return np.clip(image, 0, 1)


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
    each (``captions``, e.g. the activation). Titles never overlap their neighbours."""
    images = list(images)
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
        ax.imshow(as_hwc(images[i]))
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
    """Snapshots of an optimization side by side, and its activation curve below."""
    steps = sorted(snapshots)
    fig = plt.figure(figsize=(2.3 * max(len(steps), 3), 5))
    grid = fig.add_gridspec(2, max(len(steps), 1), height_ratios=[1, 1])
    for i, step in enumerate(steps):
        ax = fig.add_subplot(grid[0, i])
        ax.imshow(as_hwc(snapshots[step]))
        ax.set_title(f"step {step}", fontsize=9)
        ax.axis("off")
    curve = fig.add_subplot(grid[1, :])
    curve.plot(np.asarray(history))
    for step in steps:
        curve.axvline(step, color="grey", lw=0.5, ls=":")
    curve.set_xlabel("step")
    curve.set_ylabel(ylabel)
    if title:
        fig.suptitle(title)
    return _finish(fig, save)


def compare(images: Sequence, labels: Sequence[str], values: Optional[Sequence[float]] = None,
            value_name: str = "activation", size: float = 3.0, save: Optional[str] = None):
    """Side-by-side panels, each labelled (and with its number, when given)."""
    n = len(images)
    fig, axes = plt.subplots(1, n, figsize=(n * size, size + 0.6), squeeze=False)
    for i, ax in enumerate(axes[0]):
        ax.imshow(as_hwc(images[i]))
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
    what a random image scores on the same channel (``baselines``)."""
    lines = (values is not None) + (baselines is not None)
    fig, axes = plt.subplots(len(rows), len(cols),
                             figsize=(len(cols) * size + 0.6,
                                      len(rows) * (size + 0.25 * lines) + 0.9),
                             squeeze=False, layout="compressed")
    for r, row in enumerate(rows):
        for c, col in enumerate(cols):
            ax = axes[r][c]
            ax.imshow(as_hwc(images[(row, col)]))
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
    """Chosen channels of one feature map (C, H, W) as heat maps."""
    n = len(channels)
    fig, axes = plt.subplots(1, n, figsize=(n * size, size + 0.5), squeeze=False)
    for ax, ch in zip(axes[0], channels):
        ax.imshow(maps[ch].detach().float().cpu().numpy(), cmap="viridis")
        ax.set_title(f"ch {ch}", fontsize=8)
        ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=10)
    return _finish(fig, save)


def bars(labels: Sequence[str], values: Sequence[float], ylabel: str = "",
         title: Optional[str] = None, save: Optional[str] = None):
    """A labelled bar chart (ablations, top predictions)."""
    fig, ax = plt.subplots(figsize=(max(4, 0.8 * len(labels)), 3))
    ax.bar(range(len(values)), values)
    ax.set_xticks(range(len(values)))
    ax.set_xticklabels(labels, rotation=30, ha="right")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return _finish(fig, save)
