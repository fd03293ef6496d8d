"""Render a gallery in several one-thread worker processes.

On a small CPU, two one-thread processes get more work done than one two-thread
process, because each step of a batch-1 render cannot keep two threads busy. Workers
are forked, so they share the already-loaded model; on platforms without ``fork`` (or
with ``workers=1``) the gallery is rendered in this process.
"""
import multiprocessing as mp
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Sequence

import numpy as np
import torch

from .render import Render, render_channels

_MODEL = None  # set in the parent just before forking; read by the workers


def _work(job):
    layer, channels, kwargs = job
    torch.set_num_threads(1)
    return render_channels(_MODEL, layer, channels, **kwargs)


def render_channels_parallel(model, layer: str, channels: Sequence[int], workers: int = 2,
                             **kwargs) -> Render:
    """Like ``render_channels``, split over ``workers`` processes; same result layout."""
    channels = list(channels)
    workers = max(1, min(workers, len(channels)))
    if workers == 1 or "fork" not in mp.get_all_start_methods() or model.device.type != "cpu":
        return render_channels(model, layer, channels, **kwargs)
    global _MODEL
    _MODEL = model
    kwargs = dict(kwargs, progress=False)
    positions = [list(range(len(channels)))[w::workers] for w in range(workers)]
    chunks = [[channels[i] for i in pos] for pos in positions]
    start = time.perf_counter()
    try:
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            parts = list(pool.map(_work, [(layer, chunk, kwargs) for chunk in chunks]))
    finally:
        _MODEL = None
    order = np.argsort([i for pos in positions for i in pos])  # back to the caller's order
    images = torch.cat([p.images for p in parts])[order]
    history = np.concatenate([p.history for p in parts], axis=1)[:, order]
    activation = np.concatenate([p.activation for p in parts])[order]
    steps = min(p.steps for p in parts)
    return Render(images, history, activation, {}, time.perf_counter() - start, steps,
                  any(p.interrupted for p in parts))
