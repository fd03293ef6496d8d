"""How every exercise checker answers: done, not done yet, or what is wrong.

A checker runs the learner's function against the reference on several inputs (and,
where the function plugs into a render, inside a short real render) and returns the
function the rest of the notebook should use:

- the learner's own, when it is right (``✓``);
- the reference, when the exercise is not done yet (it still raises
  ``NotImplementedError``), so a student notebook runs top to bottom;
- nothing, when it is wrong: it stops with ``ExerciseMistake``, whose message says
  what is wrong in a learner's words (shape, sign, axis, scaling, gradient) and is shown
  without a traceback.
"""
from typing import Callable, Sequence, Tuple

import torch
from torch import nn

from ..course_model import wrap_module

NOT_DONE = "not done yet — using the reference so the rest of the notebook runs."
SKIP = (" (To move on for now, put `raise NotImplementedError()` back as the function's "
        "body: the reference is then used.)")


class ExerciseMistake(Exception):
    """The learner's function runs but gives a wrong answer; the message says how."""

    def _render_traceback_(self):  # IPython shows this instead of a traceback
        return [f"\x1b[31m✗ {self}\x1b[0m"]


def judge(name: str, learner: Callable, reference: Callable,
          tests: Callable[[Callable], str]) -> Callable:
    """Run ``tests(learner)``; print and return what the notebook should use next.

    ``tests`` raises ``ExerciseMistake`` for a wrong answer and returns a short note of
    what it checked when everything passes.
    """
    if not callable(learner):
        raise ExerciseMistake(f"{name}: pass the function itself, e.g. check_{name}({name}), "
                              f"not {type(learner).__name__}.")
    try:
        checked = tests(learner)
    except NotImplementedError:
        print(f"{name}: {NOT_DONE}")
        return reference
    except ExerciseMistake as mistake:
        raise ExerciseMistake(f"{name}: {mistake}{SKIP}") from None
    except Exception as error:  # the learner's code crashed: say where, briefly
        raise ExerciseMistake(f"{name}: your function raised {type(error).__name__}: "
                              f"{str(error).splitlines()[0][:200] if str(error) else ''} — "
                              f"run it on a small input in a new cell to see where.{SKIP}"
                              ) from None
    print(f"✓ {name} is correct ({checked}).")
    return learner


def same(got, expected, what: str, atol: float = 1e-5, rtol: float = 1e-4,
         mistakes: Sequence[Tuple[str, torch.Tensor]] = (), hint: str = "") -> None:
    """Raise an ``ExerciseMistake`` naming the likely mistake when ``got`` ≠ ``expected``.

    ``mistakes`` pairs a message with what a known wrong version returns; a match names it.
    ``hint`` says which parts to check when no known mistake matches.
    """
    if not isinstance(got, torch.Tensor):
        raise ExerciseMistake(f"{what}: should be a torch tensor, got {type(got).__name__}.")
    expected = expected.to(got.dtype) if got.is_floating_point() else expected
    if got.shape != expected.shape:
        raise ExerciseMistake(f"{what}: shape {tuple(got.shape)}, expected "
                              f"{tuple(expected.shape)} — check which axes you reduce over or slice.")
    if torch.allclose(got, expected, atol=atol, rtol=rtol):
        return
    if got.is_floating_point() and not torch.isfinite(got).all():
        raise ExerciseMistake(f"{what}: contains inf or NaN — is something divided by zero?")
    for message, wrong in mistakes:
        if wrong.shape == got.shape and torch.allclose(got, wrong.to(got.dtype), atol=atol, rtol=rtol):
            raise ExerciseMistake(f"{what}: {message}")
    if torch.allclose(got, -expected, atol=atol, rtol=rtol):
        raise ExerciseMistake(f"{what}: the sign is flipped.")
    scale = (got.flatten() @ expected.flatten()) / expected.flatten().pow(2).sum().clamp_min(1e-12)
    if torch.allclose(got, scale * expected, atol=atol, rtol=1e-3) and not torch.isclose(
            scale, torch.tensor(1.0, dtype=scale.dtype)):
        size = "too large — a sum where a mean belongs, or an extra factor?" if scale > 1 else \
            "too small — a mean where a sum belongs, or a missing factor?"
        raise ExerciseMistake(f"{what}: {float(scale):.3g} times the right value, {size}")
    worst = float((got - expected).abs().max())
    raise ExerciseMistake(f"{what}: off from the reference by up to {worst:.3g}"
                          + (f" — {hint}" if hint else "."))


def practice_model():
    """A small, fixed, randomly initialized CNN described as a ``CourseModel``: checkers
    run the learner's function inside short real renders on it (fast, deterministic)."""
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(0)
    try:
        net = nn.Sequential()
        net.add_module("conv1", nn.Conv2d(3, 8, 3, padding=1))
        net.add_module("relu1", nn.ReLU())
        net.add_module("conv2", nn.Conv2d(8, 12, 3, padding=1, stride=2))
        net.add_module("relu2", nn.ReLU())
        net.add_module("conv3", nn.Conv2d(12, 16, 3, padding=1, stride=2))
        net.add_module("pool", nn.AdaptiveAvgPool2d(1))
        net.add_module("flat", nn.Flatten())
        net.add_module("fc", nn.Linear(16, 5))
    finally:
        torch.random.set_rng_state(generator_state)
    return wrap_module(net, name="practice", input_size=32,
                       stages={"early": "conv1", "mid": "conv2", "late": "conv3"})
