"""Contract of the objectives: every constructor, Lucent's shorthand and the algebra
(+, -, *, / with odd operands). Each objective either refuses a bad argument when it is
built, or scores images (one finite number each) or answers a CourseError when it is used;
and it is refused exactly when an argument is wrong: what is known to be valid (the
tiny model's layers and channel counts, its feature-map sizes, a batch of 2 images) is
accepted."""
import numbers

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

from contract_fuzz import fuzz, holds, mentions, odd, odd_or, refused
from course_utils.optim import evaluate
from course_utils.optim import objectives as obj

IMAGES = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))
LAYERS = odd_or("mid", "early", "late", "conv1", "fc", "logits", "labels", "input", "nope", "")
INDICES = odd_or(st.integers(-2, 7), np.int64(1), 10 ** 20)
BATCHES = odd_or(None, 0, 1, 2, -1)

# What is valid on the tiny model (16 px native input, so 8 px images are seen at 16 px):
# layer -> (channels, feature-map side); "input" is the image, for the objectives that
# may read it.
TINY = {"early": (4, 16), "conv1": (4, 16), "relu1": (4, 16), "mid": (6, 8), "conv2": (6, 8),
        "late": (6, 8), "relu2": (6, 8)}
IMAGE = {"input": (3, 16)}
CLASSES = 5


def whole(value, low, high) -> bool:
    """What contract.whole_number accepts: an integer (numpy's, a 0-d integer tensor),
    never a bool, within [low, high]."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1 or value.is_floating_point() or value.dtype == torch.bool:
            return False
        value = value.item()
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)) \
        and low <= int(value) <= high


def layer(value, pseudo=False):
    """(channels, side) of a layer name the objective accepts, else None."""
    known = {**TINY, **IMAGE} if pseudo else TINY
    return known.get(value) if isinstance(value, str) else None


def batch_ok(batch) -> bool:
    return batch is None or whole(batch, 0, len(IMAGES) - 1)


def scores(tiny, objective, valid: bool):
    """Build, then use: both steps must keep the contract, and refuse exactly the
    invalid."""
    built = holds(objective)
    result = built if refused(built) else holds(lambda: evaluate(tiny, built, IMAGES), tiny)
    assert refused(result) == (not valid), result
    if not refused(result):
        assert result.shape == (2,) and np.isfinite(result).all(), result
    return result


@fuzz(100)
@given(layer_=LAYERS, n=INDICES, batch=BATCHES)
def test_channel(tiny, layer_, n, batch):
    found = layer(layer_)
    valid = found is not None and whole(n, 0, found[0] - 1) and batch_ok(batch)
    scores(tiny, lambda: obj.channel(layer_, n, batch=batch), valid)


@fuzz(100)
@given(layer_=LAYERS, n=INDICES, x=odd_or(None, 0, 7, 8), y=odd_or(None, 3), batch=BATCHES)
def test_neuron(tiny, layer_, n, x, y, batch):
    found = layer(layer_)
    valid = found is not None and whole(n, 0, found[0] - 1) and batch_ok(batch) and all(
        v is None or whole(v, 0, found[1] - 1) for v in (x, y))
    scores(tiny, lambda: obj.neuron(layer_, n, x=x, y=y, batch=batch), valid)


@fuzz(60)
@given(class_index=odd_or(st.integers(-1, 5), np.int64(2), 1008), batch=BATCHES)
def test_logit(tiny, class_index, batch):
    valid = whole(class_index, 0, CLASSES - 1) and batch_ok(batch)
    result = scores(tiny, lambda: obj.logit(class_index, batch=batch), valid)
    if refused(result) and batch_ok(batch):
        mentions(result, "lass", "class_index")


VECTORS = odd_or(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=7),
                 st.lists(st.floats(-2, 2), min_size=6, max_size=6), [[1.0] * 6],
                 ["a"] * 6, [None] * 6, torch.ones(6), torch.ones(6, dtype=torch.int64),
                 np.ones(6), torch.ones(2, 3), [1] + [[1]] * 5, [0.5, -1.0, 2.0])


def direction_ok(vector, channels) -> bool:
    """One finite weight per channel, as float32 numbers, not all zero."""
    try:
        v = vector if isinstance(vector, torch.Tensor) else torch.as_tensor(np.asarray(vector))
    except (TypeError, ValueError, RuntimeError):
        return False
    if v.dtype == torch.bool or v.is_complex() or not (v.is_floating_point() or v.dtype in (
            torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8)):
        return False
    v = v.float()
    norm = float(v.norm()) if v.dim() == 1 else 0.0
    return v.dim() == 1 and v.numel() == channels and bool(torch.isfinite(v).all()) \
        and np.isfinite(norm) and norm > 0


@fuzz(100)
@given(layer_=LAYERS, vector=VECTORS, batch=BATCHES)
def test_direction(tiny, layer_, vector, batch):
    found = layer(layer_, pseudo=True)
    valid = found is not None and direction_ok(vector, found[0]) and batch_ok(batch)
    scores(tiny, lambda: obj.direction(layer_, vector, batch=batch), valid)


@fuzz(50)
@given(layer_=LAYERS, batch=BATCHES)
def test_layer_energy_and_diversity(tiny, layer_, batch):
    found = layer(layer_, pseudo=True)
    scores(tiny, lambda: obj.layer_energy(layer_, batch=batch), found is not None and batch_ok(batch))
    scores(tiny, lambda: obj.diversity(layer_), found is not None)  # a batch of 2 images


@fuzz(40)
@given(center=odd_or(st.floats(0, 1), 0.5))
def test_penalties(tiny, center):
    valid = isinstance(center, (numbers.Real, torch.Tensor)) and not isinstance(
        center, (bool, np.bool_)) and (not isinstance(center, torch.Tensor) or center.numel() == 1) \
        and 0 <= float(center) <= 1
    scores(tiny, lambda: obj.l2(center), valid)
    scores(tiny, lambda: obj.total_variation(), True)


SPECS = st.one_of(odd, st.text(alphabet="midlogtsabe:_-+0123456789²٣ .", max_size=12),
                  st.sampled_from(["mid:0", "logits:3", "labels:4", "logits:5", "labels:-1",
                                   "conv_1:2", " mid : 3 ", "mid:²", "mid:٣", "input:0",
                                   "logits", "early:3.0"]))


def spec_ok(spec) -> bool:
    """Lucent's shorthand 'layer:N' (N in ASCII digits, a sign allowed) for a valid
    channel, or 'logits:N' / 'labels:N' for a valid class."""
    if not isinstance(spec, str) or ":" not in spec:
        return False
    name, _, index = spec.rpartition(":")
    index, name = index.strip(), name.strip()
    digits = index[1:] if index.startswith("-") else index
    if not digits or not all(c in "0123456789" for c in digits):
        return False
    if name in ("logits", "labels"):
        return 0 <= int(index) < CLASSES
    return name in TINY and 0 <= int(index) < TINY[name][0]


@fuzz(150)
@given(spec=SPECS)
def test_parse(tiny, spec):
    scores(tiny, lambda: obj.parse(spec), spec_ok(spec))


OPERANDS = st.one_of(odd, st.sampled_from(["objective", "tv", "per image", "wrong length",
                                           "matrix", "numpy", "nan tensor", "int weights"]))


def operand(kind):
    return {"objective": obj.channel("mid", 1), "tv": obj.total_variation(),
            "per image": torch.tensor([1.0, 2.0]), "wrong length": torch.ones(3),
            "matrix": torch.ones(2, 2), "numpy": np.float64(2.0),
            "nan tensor": torch.tensor(float("nan")),
            "int weights": torch.tensor([1, 2])}.get(kind, kind) \
        if isinstance(kind, str) else kind


def weight_ok(other, divisor: bool) -> bool:
    """A finite number within ±1e6 (a 0-d tensor too), or one such weight per image (a
    1-D float or int32/int64 tensor of length 2); a divisor may not be (almost) zero."""
    limit = 1e6
    if isinstance(other, torch.Tensor) and other.dim() == 1:
        if not (other.is_floating_point() or other.dtype in (torch.int32, torch.int64)):
            return False
        w = other.float()
        return w.numel() == len(IMAGES) and bool(torch.isfinite(w).all()) and \
            bool((w.abs() <= limit).all()) and not (divisor and bool((w.abs() < 1 / limit).any()))
    if isinstance(other, torch.Tensor):
        if other.numel() != 1:
            return False
        other = other.item()
    if not isinstance(other, numbers.Real) or isinstance(other, (bool, np.bool_)):
        return False
    try:
        value = float(other)
    except OverflowError:  # an int too large for a float
        return False
    return np.isfinite(value) and abs(value) <= limit and not (divisor and abs(value) < 1 / limit)


OPERATIONS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
              "/": lambda a, b: a / b}


@fuzz(200)
@given(other=OPERANDS, op=st.sampled_from(sorted(OPERATIONS)), left=st.booleans())
def test_algebra(tiny, other, op, left):
    base = obj.channel("mid", 0)
    other = operand(other)
    apply = OPERATIONS[op]
    if isinstance(other, obj.Objective):
        valid = op in "+-"  # objectives add and subtract; they never scale each other
    else:
        valid = weight_ok(other, divisor=op == "/") and (left or op != "/")
    scores(tiny, lambda: apply(base, other) if left else apply(other, base), valid)
