"""Galleries: several channels of one layer, or several classes, one image each,
rendered in batches.

Each image of a batch has its own objective (``channel(layer, c, batch=i)``, or
``logit(k, batch=i)`` for classes), so one render makes a whole gallery. When the
gallery would not fit in memory it is rendered in pieces that do, and with
``workers > 1`` the pieces go to forked processes; either way the pieces are merged
back in the caller's order.
"""
import inspect
import operator
import time
from functools import reduce
from typing import List, Sequence

import numpy as np
import torch

from .. import contract, engine
from ..errors import CourseError
from ..hooks import LOGITS
from . import objectives as obj
from .render import RenderResult, render


def render_channels(model, layer: str, channels: Sequence[int], *, workers: int = 1,
                    **render_options) -> RenderResult:
    """Visualize several channels of ``layer``: image ``i`` maximizes ``channels[i]``.

    model: a course model. layer: a stage or layer name.
    channels: a non-empty list of channel indices (repeats allowed, e.g. two seeds' worth).
    workers: processes to spread the gallery over, 1 (this process) to the number of CPU
        cores.
    render_options: passed to ``render`` (size, steps, seed, input_size, ...); not batch.
    """
    model = contract.course_model(model)
    channels = contract.non_empty_list(channels, "channels", "[0, 1, 2]")
    for c in channels:
        model.check_channel(layer, c)
    workers = contract.cpu_workers(workers)
    if "batch" in render_options:
        raise CourseError("render_channels makes one image per channel: leave out batch= "
                          "(repeat a channel in the list to get several images of it).")
    return _gallery(model, layer, [lambda i, c=c: obj.channel(layer, c, batch=i)
                                   for c in channels], "channels", workers, render_options)


def render_classes(model, classes: Sequence, *, workers: int = 1,
                   **render_options) -> RenderResult:
    """Visualize several classes: image ``i`` maximizes the logit of ``classes[i]``.

    classes: a non-empty list of class indices or class names from ``model.labels``
        (names let one list serve networks whose outputs are in different orders).
    workers, render_options: as for ``render_channels``.
    """
    model = contract.course_model(model)
    indices = [model.class_index(c) for c in
               contract.non_empty_list(classes, "classes", "['goldfish', 'daisy']")]
    workers = contract.cpu_workers(workers)
    if "batch" in render_options:
        raise CourseError("render_classes makes one image per class: leave out batch= "
                          "(repeat a class in the list to get several images of it).")
    return _gallery(model, LOGITS, [lambda i, k=k: obj.logit(k, batch=i) for k in indices],
                    "classes", workers, render_options)


def _gallery(model, layer: str, objective_for: List, what: str, workers: int,
             render_options: dict) -> RenderResult:
    """Render one image per entry of ``objective_for`` (functions of the image's position
    in its batch that return its objective), in pieces that fit, merged in order."""
    _check_options(render_options)
    pieces = _pieces(model, layer, len(objective_for), workers, render_options)

    def render_piece(positions: List[int]) -> RenderResult:
        objective = reduce(operator.add, [objective_for[p](i) for i, p in enumerate(positions)])
        objective.name = f"{layer}: {len(positions)} {what}"  # a short progress label
        return render(model, objective, batch=len(positions), **render_options)

    start = time.perf_counter()
    if workers == 1:
        results = []
        for piece in pieces:
            results.append(render_piece(piece))
            if results[-1].interrupted:
                break
    else:
        render_options["progress"] = False  # workers cannot draw on this notebook's bars
        results = engine.map_in_workers(render_piece, pieces, workers, model.device)
    gallery = merge(results, pieces)
    gallery.seconds = time.perf_counter() - start  # wall-clock time, workers included
    return gallery


def _check_options(options: dict) -> None:
    """Only ``render``'s own options (batch aside), and the sizes ``_pieces`` reads,
    checked before any work."""
    known = sorted(set(inspect.signature(render).parameters) - {"model", "objective", "batch"})
    for key in options:
        contract.one_of(key, "Each option", known, fix="They are render's options, batch aside.")
    if "param" not in options:
        options["size"] = contract.image_shape(options.get("size"), None, None, None)[0]
    contract.optional_side(options.get("input_size"))


def _pieces(model, layer: str, count: int, workers: int, options: dict) -> List[List[int]]:
    """Positions 0..count-1 in pieces: one per worker, each cut to what fits in memory."""
    positions = list(range(count))
    shares = [positions[w::workers] for w in range(min(workers, count))]
    if "param" in options:  # the caller's parameterization fixes the batch
        return [positions]
    input_size = model.input_size_for(options["size"], options.get("input_size"),
                                      reads_logits=layer == LOGITS)
    fit = engine.max_batch(model, [layer], input_size)
    if fit is None or fit < 1:  # unknown, or hopeless: render() decides and explains
        return shares
    fit = min(fit, contract.MAX_PIXELS // options["size"] ** 2)  # what one image batch may hold
    pieces = [share[i:i + fit] for share in shares for i in range(0, len(share), fit)]
    if len(pieces) > len(shares):
        print(f"{count} images at {input_size} px do not fit in memory at once: "
              f"rendering them {fit} at a time.")
    return pieces


def merge(results: List[RenderResult], pieces: List[List[int]]) -> RenderResult:
    """One result from the results of ``pieces`` (lists of positions), in position order;
    an interrupted gallery keeps the pieces that finished and the steps all of them ran."""
    done = [p for piece in pieces[:len(results)] for p in piece]
    order = np.argsort(done, kind="stable")
    steps = min(r.history.shape[0] for r in results)
    return RenderResult(
        images=torch.cat([r.images for r in results])[order],
        history=np.concatenate([r.history[:steps] for r in results], axis=1)[:, order],
        score=np.concatenate([r.score for r in results])[order],
        seconds=sum(r.seconds for r in results),
        steps=steps,
        interrupted=any(r.interrupted for r in results))
