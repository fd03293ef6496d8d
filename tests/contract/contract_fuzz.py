"""The contract every public entry point keeps, and odd values to test it with.

``holds(call, *models)`` runs ``call()``: it must either return (the caller then checks
the result is valid) or raise a ``CourseError`` with a one-line message, before any
network layer ran with gradients on; any other exception fails the test. Every model
given must come back exactly as it was (weights, gradients, flags, hooks, description).

The strategies are seeded and small (``fuzz(n)``): valid values are kept cheap (tiny
images, one or two steps) so every generated case runs in milliseconds.
"""
import signal
from contextlib import contextmanager

import numpy as np
import torch
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from torch import nn

from course_utils.errors import CourseError
from model_watch import assert_unchanged, snapshot


def fuzz(examples: int):
    """Seeded Hypothesis settings: the same ``examples`` cases on every run."""
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    print_blob=False,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])


# --- odd values: what a learner might pass by mistake ----------------------------------

ODD_OBJECTS = [None, True, False, 0, -1, 2 ** 31, 2 ** 63, 10 ** 12, -10 ** 12, 0.0, -0.0,
               2.5, float("nan"), float("inf"), -float("inf"), 1e308, "", "3", "mid", "nan",
               "0-9", b"mid", 1j, [], [1], [-1, 2], (), {}, {"a": 1}, object(),
               np.int64(3), np.float32(0.5), np.array([1, 2]), torch.tensor(3),
               torch.tensor(2.5), torch.tensor([1, 2]), torch.zeros(0)]
odd = st.sampled_from(ODD_OBJECTS) | st.floats(allow_nan=True, allow_infinity=True) | \
    st.integers(-3, 3) | st.text(max_size=5)


def odd_or(*valid) -> st.SearchStrategy:
    """An odd value, or one of ``valid`` (a strategy or plain values)."""
    options = [v if isinstance(v, st.SearchStrategy) else st.just(v) for v in valid]
    return st.one_of(odd, *options)


DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.uint8,
          torch.int64, torch.bool, torch.complex64]
FILLS = ["rand", "half", "zero", "one", "nan", "inf", "negative", "255"]


@st.composite
def tensors(draw, max_rank: int = 5, max_side: int = 20) -> torch.Tensor:
    """Tensors of any rank, shape (empty sides included), dtype and fill."""
    shape = draw(st.lists(st.integers(0, max_side), max_size=max_rank))
    fill = draw(st.sampled_from(FILLS))
    x = torch.rand(shape, generator=torch.Generator().manual_seed(draw(st.integers(0, 9))))
    x = {"rand": x, "half": x * 0 + 0.5, "zero": x * 0, "one": x * 0 + 1,
         "nan": x * float("nan"), "inf": x + float("inf"), "negative": x - 2,
         "255": x * 255}[fill]
    dtype = draw(st.sampled_from(DTYPES))
    if dtype.is_complex:
        return x.to(dtype)
    if not dtype.is_floating_point:
        x = torch.nan_to_num(x, 0, 0, 0)
    return x.to(dtype)


@st.composite
def good_images(draw, max_batch: int = 3, min_side: int = 1, max_side: int = 20):
    """Valid [0, 1] image batches (N, 3, H, W) of any small size and float dtype."""
    n = draw(st.integers(1, max_batch))
    h, w = draw(st.integers(min_side, max_side)), draw(st.integers(min_side, max_side))
    seed = draw(st.integers(0, 9))
    x = torch.rand(n, 3, h, w, generator=torch.Generator().manual_seed(seed))
    return x.to(draw(st.sampled_from([torch.float32, torch.float64, torch.float16])))


def images_or_odd(max_batch: int = 3) -> st.SearchStrategy:
    """Image batches, good or bad: tensors of every kind, arrays, lists, odd values."""
    return st.one_of(good_images(max_batch), tensors(), odd,
                     st.builds(lambda x: x.numpy(), good_images(max_batch)),
                     st.builds(lambda x: x.tolist(), good_images(1, max_side=3)),
                     st.builds(lambda x: x[0], good_images(1)),
                     st.builds(lambda x: x.permute(0, 2, 3, 1), good_images(2)),
                     st.builds(lambda x: x.requires_grad_(True),
                               good_images(2).map(lambda x: x.float())))


# --- the property ------------------------------------------------------------------------

def _description(model) -> tuple:
    return (model.name, model.input_size, tuple(model.labels), tuple(model.stages.items()),
            tuple(model.layers.items()), tuple(model.main_layers))


@contextmanager
def network_work():
    """Count forward passes of network layers (convolutions, linear layers) run with
    gradients on, anywhere: the learner's module or the engine's render copy."""
    calls = []

    def count(module, _inputs):
        if torch.is_grad_enabled() and isinstance(module, (nn.Conv2d, nn.Linear)):
            calls.append(type(module).__name__)

    handle = nn.modules.module.register_module_forward_pre_hook(count)
    try:
        yield calls
    finally:
        handle.remove()


SECONDS = 30  # a call on the tiny model that takes longer accepted a huge value


def _too_long(*_):
    raise TimeoutError(f"the call ran for more than {SECONDS} s: a huge value was accepted")


@contextmanager
def time_limit(seconds: int = SECONDS):
    """Raise ``TimeoutError`` in the block after ``seconds`` (main thread, POSIX)."""
    previous = signal.signal(signal.SIGALRM, _too_long)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def holds(call, *models, modules=()):
    """``call()``'s result, or the ``CourseError`` it raised (returned, not raised).

    Fails on any other exception, on a call that runs for more than ``SECONDS``, on a
    message that is empty or longer than one line, on network work done before the
    error, and on any change to ``models`` (CourseModels) or ``modules`` (nn.Modules).
    """
    watched = [m.module for m in models] + list(modules)
    before = [snapshot(m) for m in watched]
    described = [_description(m) for m in models]
    with network_work() as calls, time_limit():
        try:
            result = call()
        except CourseError as error:
            message = str(error)
            assert message.strip() and "\n" not in message, repr(message)
            assert calls == [], f"network work ran before the error: {message}"
            result = error
    for module, state in zip(watched, before):
        assert_unchanged(state, module)
    assert [_description(m) for m in models] == described, "the model's description changed"
    return result


def refused(result) -> bool:
    return isinstance(result, CourseError)


def mentions(result, *words) -> None:
    """The error names at least one of ``words`` (the argument, usually)."""
    assert any(w in str(result) for w in words), (words, str(result))


def valid_images(x, n=None, side=None) -> None:
    """(n, 3, side, side) finite float images in [0, 1]."""
    assert isinstance(x, torch.Tensor) and x.dim() == 4 and x.shape[1] == 3, x
    if n is not None:
        assert x.shape[0] == n
    if side is not None:
        assert tuple(x.shape[-2:]) == (side, side)
    assert torch.isfinite(x).all() and float(x.min()) >= 0 and float(x.max()) <= 1
