"""Figures for the course. Every function returns the figure and can save a PNG."""
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
    fig.tight_layout()
    if save:
        fig.savefig(save, dpi=100, bbox_inches="tight")
    return fig


def gallery(images: Sequence, titles: Optional[Sequence[str]] = None, cols: int = 5,
            size: float = 2.2, suptitle: Optional[str] = None, save: Optional[str] = None):
    """Images in a grid with a title under each."""
    images = list(images)
    rows = max(1, int(np.ceil(len(images) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * size, rows * size + 0.4),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            ax.imshow(as_hwc(images[i]))
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=9)
    if suptitle:
        fig.suptitle(suptitle)
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
           size: float = 2.4, title: Optional[str] = None, save: Optional[str] = None):
    """A layers × channels grid. ``images[(row, col)]`` is the picture for that cell."""
    fig, axes = plt.subplots(len(rows), len(cols), figsize=(len(cols) * size,
                                                          len(rows) * size + 0.5),
                             squeeze=False)
    for r, row in enumerate(rows):
        for c, col in enumerate(cols):
            ax = axes[r][c]
            ax.imshow(as_hwc(images[(row, col)]))
            ax.set_xticks([])
            ax.set_yticks([])
            label = f"channel {col}"
            if values is not None:
                label += f" ({values[(row, col)]:.1f})"
            ax.set_title(label, fontsize=9)
            if c == 0:
                ax.set_ylabel(row_labels[r] if row_labels else str(row), fontsize=10)
    if title:
        fig.suptitle(title)
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
