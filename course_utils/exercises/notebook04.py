"""Notebook 04's exercises: a neuron objective, a direction objective and the diversity
term. Each takes a layer's activation (N, C, H, W) and returns one score per image (N,);
the checkers compare with the reference and then optimize with it on a small network."""
from typing import Callable

import torch
import torch.nn.functional as F

from ..optim import objectives as obj
from ..optim.render import render
from .judging import ExerciseMistake, judge, practice_model, same


# --- reference solutions --------------------------------------------------------------

def neuron_score(activation: torch.Tensor, channel: int) -> torch.Tensor:
    """Channel ``channel`` at the centre position (row H // 2, column W // 2), per image."""
    h, w = activation.shape[-2:]
    return activation[:, channel, h // 2, w // 2]


def direction_score(activation: torch.Tensor, vector: torch.Tensor) -> torch.Tensor:
    """Mean over positions of the activation's projection onto the unit vector along
    ``vector`` (one weight per channel), per image."""
    unit = vector / vector.norm()
    return torch.einsum("nchw,c->nhw", activation, unit.to(activation)).mean((-2, -1))


def diversity_score(activation: torch.Tensor) -> torch.Tensor:
    """Minus each image's mean cosine similarity to the *other* images of the batch,
    comparing flattened Gram matrices (channel × channel correlations)."""
    n, c = activation.shape[:2]
    flat = activation.reshape(n, c, -1)
    gram = F.normalize(torch.bmm(flat, flat.transpose(1, 2)).reshape(n, -1), dim=1)
    similarity = gram @ gram.T
    return -(similarity.sum(1) - similarity.diagonal()) / (n - 1)


# --- helpers ---------------------------------------------------------------------------

def _activations(seed: int, *shape) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def _renders_like(fn_objective, reference_objective, batch: int = 1) -> None:
    model = practice_model()
    options = dict(size=16, steps=4, seed=0, batch=batch)
    mine = render(model, fn_objective, **options)
    ours = render(model, reference_objective, **options)
    same(torch.as_tensor(mine.history), torch.as_tensor(ours.history),
         "the scores of a short render that maximizes it")


# --- checkers ---------------------------------------------------------------------------

def check_neuron_score(neuron_score_fn: Callable) -> Callable:
    def tests(fn):
        for seed, shape in enumerate([(2, 5, 7, 7), (3, 5, 6, 8), (1, 5, 1, 1)]):
            act = _activations(seed, *shape)
            got = fn(act, 3)
            one_position = shape[-1] * shape[-2] == 1  # there a neuron *is* the channel
            if isinstance(got, torch.Tensor) and got.shape == (shape[0],) and not one_position \
                    and torch.allclose(got, act[:, 3].mean((-2, -1))):
                raise ExerciseMistake("that is the channel objective (the mean over every "
                                      "position): a neuron is one position, the centre.")
            h, w = shape[-2:]
            guesses = {h // 2, w // 2, (h - 1) // 2, (w - 1) // 2}
            off_centre = [(r, c) for r in guesses for c in guesses
                          if r < h and c < w and (r, c) != (h // 2, w // 2)] if h != w else []
            off_centre_message = (f"wrong position on a non-square ({h} × {w}) map: the centre "
                                  "is row H // 2, column W // 2 (H and W from the activation's "
                                  "shape).")
            same(got, neuron_score(act, 3), f"the score of channel 3 on a {shape} activation",
                 mistakes=[(off_centre_message, act[:, 3, r, c]) for r, c in off_centre])
        _renders_like(obj.Objective(lambda a: fn(a["mid"], 2), ["mid"], "yours"),
                      obj.Objective(lambda a: neuron_score(a["mid"], 2), ["mid"], "reference"))
        return "odd, even and 1×1 maps, and a short render"

    return judge("neuron_score", neuron_score_fn, neuron_score, tests)


def check_direction_score(direction_score_fn: Callable) -> Callable:
    def tests(fn):
        for seed, shape in enumerate([(2, 4, 5, 5), (3, 4, 2, 6)]):
            act = _activations(seed, *shape)
            vector = torch.tensor([2.0, 0.0, -1.0, 0.5])
            got = fn(act, vector)
            raw = torch.einsum("nchw,c->nhw", act, vector).mean((-2, -1))
            if isinstance(got, torch.Tensor) and got.shape == raw.shape and torch.allclose(got, raw):
                raise ExerciseMistake("the vector was not normalized: divide it by its length "
                                      "(vector / vector.norm()) so only its direction counts.")
            same(got, direction_score(act, vector), f"the projection of a {shape} activation")
        ten = torch.linspace(-1, 1, 12)
        _renders_like(obj.Objective(lambda a: fn(a["mid"], ten), ["mid"], "yours"),
                      obj.Objective(lambda a: direction_score(a["mid"], ten), ["mid"], "reference"))
        return "2 shapes with a mixed-sign direction, and a short render"

    return judge("direction_score", direction_score_fn, direction_score, tests)


DIVERSITY_HINT = ("check each step: a C × C Gram matrix per image, flattened and normalized to "
                  "unit length, the N × N similarities, and minus the mean over the *other* images.")


def _diversity_mistakes(act: torch.Tensor) -> list:
    """(message, result) for the common wrong versions of ``diversity_score`` on ``act``."""
    n, c = act.shape[:2]
    flat = act.reshape(n, c, -1)

    def score(gram, normalize=True):
        vectors = gram.reshape(n, -1)
        vectors = F.normalize(vectors, dim=1) if normalize else vectors
        similarity = vectors @ vectors.T
        return -(similarity.sum(1) - similarity.diagonal()) / (n - 1)

    positions = torch.bmm(flat.transpose(1, 2), flat)
    return [("the Gram matrix should be C × C (channel × channel): torch.bmm(flat, "
             "flat.transpose(1, 2)), not positions × positions.", score(positions)),
            ("the Gram vectors are not normalized: divide each by its length before comparing "
             "(F.normalize(..., dim=1)).", score(torch.bmm(flat, flat.transpose(1, 2)), False))]


def check_diversity_score(diversity_score_fn: Callable) -> Callable:
    def tests(fn):
        for seed, shape in enumerate([(3, 4, 5, 5), (4, 6, 3, 3)]):
            act = _activations(seed, *shape).abs()
            got = fn(act)
            n = shape[0]
            flat = act.reshape(n, shape[1], -1)
            gram = F.normalize(torch.bmm(flat, flat.transpose(1, 2)).reshape(n, -1), dim=1)
            with_self = -(gram @ gram.T).mean(1)
            if isinstance(got, torch.Tensor) and got.shape == (n,) and torch.allclose(got, with_self):
                raise ExerciseMistake("each image is also compared with itself: leave out the "
                                      "diagonal (its similarity to itself is always 1).")
            same(got, diversity_score(act), f"the diversity score of a {shape} batch",
                 mistakes=_diversity_mistakes(act), hint=DIVERSITY_HINT)
        twins = _activations(7, 1, 4, 5, 5).abs().expand(2, 4, 5, 5)
        if not torch.allclose(fn(twins), torch.tensor([-1.0, -1.0]), atol=1e-4):
            raise ExerciseMistake("two identical images should score -1 each (cosine 1 to the "
                                  "other): normalize the Gram vectors before comparing them.")
        _renders_like(obj.channel("mid", 0) + obj.Objective(lambda a: fn(a["mid"]), ["mid"], "yours"),
                      obj.channel("mid", 0) + obj.Objective(lambda a: diversity_score(a["mid"]),
                                                            ["mid"], "reference"), batch=3)
        return "2 batches, identical twins, and a short batched render"

    return judge("diversity_score", diversity_score_fn, diversity_score, tests)
