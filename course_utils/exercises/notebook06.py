"""Notebook 06's exercise: the cross-model recognition matrix. Images made on several
networks are shown to several networks ("judges"); cell [i, j] is the share of the
images made on network i whose class is among judge j's top k predictions.

The checker runs the learner's function on made-up judges whose answers are known (one
of them a real small network), and names the usual mistakes: rows and columns swapped,
k ignored, the lowest scores taken for the top, the maker's class indices used for the
judge, counts instead of shares."""
from typing import Callable, Dict, Sequence

import numpy as np
import torch

from .judging import ExerciseMistake, judge, practice_model


# --- reference solution ----------------------------------------------------------------

def recognition_matrix(images: Dict[str, torch.Tensor], judges: Dict[str, Callable],
                       classes: Dict[str, Sequence[int]], k: int) -> np.ndarray:
    """matrix[i, j]: the share of the images made on network i (the i-th entry of
    ``images``) whose class is among the top ``k`` predictions of judge j.

    images: {maker: (N, 3, H, W) images}, image n made for the n-th class.
    judges: {name: function from images to logits (N, number of classes)}.
    classes: {network name: the N class indices in that network's own output order}.
    """
    matrix = np.zeros((len(images), len(judges)))
    for i, batch in enumerate(images.values()):
        for j, (name, judge_fn) in enumerate(judges.items()):
            top = torch.as_tensor(judge_fn(batch)).topk(k, dim=1).indices
            wanted = torch.as_tensor(classes[name]).view(-1, 1)
            matrix[i, j] = (top == wanted).any(1).float().mean().item()
    return matrix


# --- the usual mistakes, computed the way a learner would make them ----------------------

def _variant(images, judges, classes, k, *, ignore_k=None, lowest=False,
             makers_classes=False, counts=False) -> np.ndarray:
    matrix = np.zeros((len(images), len(judges)))
    for i, (maker, batch) in enumerate(images.items()):
        for j, (name, judge_fn) in enumerate(judges.items()):
            logits = torch.as_tensor(judge_fn(batch))
            top = logits.topk(ignore_k or k, dim=1, largest=not lowest).indices
            wanted = torch.as_tensor(classes[maker if makers_classes else name]).view(-1, 1)
            hits = (top == wanted).any(1).float()
            matrix[i, j] = hits.sum().item() if counts else hits.mean().item()
    return matrix


MISTAKES = [
    (dict(lowest=True), "you took the lowest scores: the top predictions are the largest "
                        "logits (topk takes the largest by default; argmax, not argmin)."),
    (dict(makers_classes=True), "you looked for the maker's class index in the judge's "
                                "output: use classes[judge name] — the same class can have "
                                "another index in another network (InceptionV1 has its own "
                                "order)."),
    (dict(counts=True), "those are counts: divide by the number of images so each cell is "
                        "a share from 0 to 1."),
    (dict(ignore_k=1), "you always used the top 1: count an image as recognised when its "
                       "class is anywhere among the top k."),
    (dict(ignore_k=5), "you always used the top 5: with k=1 only the single top prediction "
                       "counts."),
]


# --- the checker -------------------------------------------------------------------------

CODE_SCALE = 100.0  # pixel [0, 0, 0] of a made-up image holds its code / 100


class _TableJudge:
    """A made-up network: reads the code written in pixel [0, 0, 0] of each image and
    answers the logits stored for that code."""

    def __init__(self, table: torch.Tensor):
        self.table = table

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        return self.table[(images[:, 0, 0, 0] * CODE_SCALE).round().long()]


def _rank(g: torch.Generator, classes: int) -> int:
    """Where the right class lands among a judge's predictions: often first, often in
    the top 5 but not first, sometimes among the last 5, otherwise in between."""
    band = float(torch.rand(1, generator=g))
    low, high = ((0, 1) if band < 0.3 else (1, 5) if band < 0.6 else
                 (classes - 5, classes) if band < 0.8 else (5, classes - 5))
    return int(torch.randint(low, high, (1,), generator=g))


def _case(seed: int, makers: int, judges: int, n: int, classes: int):
    """Images carrying codes, made-up judges with known logits, and each network's own
    class order (so the same class has different indices in different networks)."""
    g = torch.Generator().manual_seed(seed)
    names = [f"net{chr(65 + i)}" for i in range(max(makers, judges))]
    own = {name: torch.randperm(classes, generator=g)[:n].tolist() for name in names}
    images = {}
    for m in range(makers):
        batch = torch.rand(n, 3, 16, 16, generator=g)
        batch[:, 0, 0, 0] = torch.arange(m * n, (m + 1) * n) / CODE_SCALE
        images[names[m]] = batch
    tables = {}
    for name in names[:judges]:
        rows = []
        for code in range(makers * n):
            values = torch.randn(classes, generator=g).sort(descending=True).values
            target, rank = own[name][code % n], _rank(g, classes)
            others = [c for c in torch.randperm(classes, generator=g).tolist() if c != target]
            order = others[:rank] + [target] + others[rank:]  # order[r]: the class at rank r
            row = torch.empty(classes)
            row[torch.tensor(order)] = values
            rows.append(row)
        tables[name] = _TableJudge(torch.stack(rows))
    return images, tables, own


def _compare(fn, images, judges, classes, k, what) -> None:
    expected = recognition_matrix(images, judges, classes, k)
    got = fn(images, judges, classes, k)
    if isinstance(got, torch.Tensor):
        got = got.detach().cpu().numpy()
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise ExerciseMistake("return a matrix of numbers (a NumPy array), one row per maker "
                              "and one column per judge.") from None
    if got.shape == expected.T.shape and got.shape != expected.shape:
        raise ExerciseMistake(f"{what}: shape {got.shape}, expected {expected.shape} — rows "
                              "and columns are swapped: one row per network that made the "
                              "images, one column per judge.")
    if got.shape != expected.shape:
        raise ExerciseMistake(f"{what}: shape {got.shape}, expected {expected.shape} (one row "
                              "per maker, one column per judge).")
    if np.allclose(got, expected, atol=1e-6):
        return
    if expected.shape[0] == expected.shape[1] and np.allclose(got, expected.T, atol=1e-6):
        raise ExerciseMistake(f"{what}: rows and columns are swapped: row i is the network "
                              "that made the images, column j the judge.")
    for options, message in MISTAKES:
        if options.get("ignore_k") == k:
            continue  # the same as the right answer for this k
        if np.allclose(got, _variant(images, judges, classes, k, **options), atol=1e-6):
            raise ExerciseMistake(f"{what}: {message}")
    i, j = np.unravel_index(np.abs(got - expected).argmax(), expected.shape)
    raise ExerciseMistake(f"{what}: cell [{i}, {j}] is {got[i, j]:.3f}, expected "
                          f"{expected[i, j]:.3f} (the share of maker {i}'s images whose class "
                          f"is among judge {j}'s top {k}).")


def check_recognition_matrix(recognition_matrix_fn: Callable) -> Callable:
    """Made-up cases (2 makers × 3 judges, 3 × 3) at k = 1 and 5, then a real small
    network among the judges."""
    def tests(fn):
        for seed, (makers, judges) in enumerate([(2, 3), (3, 3)]):
            images, nets, classes = _case(seed, makers, judges, n=12, classes=20)
            for k in (1, 5):
                _compare(fn, images, nets, classes, k,
                         f"{makers} makers × {judges} judges, top {k}")
        images, nets, classes = _case(5, 2, 2, n=4, classes=12)
        practice = practice_model()
        nets["practice"] = practice
        classes["practice"] = [3, 0, 4, 1]
        for k in (1, 2):
            _compare(fn, images, nets, classes, k, f"with a real small network, top {k}")
        return "2 × 3 and 3 × 3 cases at top 1 and top 5, and a real small network"

    return judge("recognition_matrix", recognition_matrix_fn, recognition_matrix, tests)
