"""Contract of the objectives: every constructor, Lucent's shorthand and the algebra
(+, -, *, / with odd operands). Each objective either refuses a bad argument when it is
built, or scores images (one finite number each) or answers a CourseError when it is used."""
import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

from contract_fuzz import fuzz, holds, mentions, odd, odd_or, refused
from course_utils.optim import objectives as obj
from course_utils.optim import evaluate

IMAGES = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))
LAYERS = odd_or("mid", "early", "late", "conv1", "fc", "logits", "labels", "input", "nope", "")
INDICES = odd_or(st.integers(-2, 7), np.int64(1), 10 ** 20)
BATCHES = odd_or(None, 0, 1, 2, -1)


def scores(tiny, objective):
    """Build, then use: both steps must keep the contract."""
    built = holds(objective)
    if refused(built):
        return built
    result = holds(lambda: evaluate(tiny, built, IMAGES), tiny)
    if not refused(result):
        assert result.shape == (2,) and np.isfinite(result).all(), result
    return result


@fuzz(100)
@given(layer=LAYERS, n=INDICES, batch=BATCHES)
def test_channel(tiny, layer, n, batch):
    scores(tiny, lambda: obj.channel(layer, n, batch=batch))


@fuzz(100)
@given(layer=LAYERS, n=INDICES, x=odd_or(None, 0, 7, 8), y=odd_or(None, 3), batch=BATCHES)
def test_neuron(tiny, layer, n, x, y, batch):
    scores(tiny, lambda: obj.neuron(layer, n, x=x, y=y, batch=batch))


@fuzz(60)
@given(class_index=odd_or(st.integers(-1, 5), np.int64(2), 1008), batch=BATCHES)
def test_logit(tiny, class_index, batch):
    result = scores(tiny, lambda: obj.logit(class_index, batch=batch))
    valid_batch = batch is None or (type(batch) is int and batch in (0, 1))
    if refused(result) and valid_batch:
        mentions(result, "lass", "class_index")


VECTORS = odd_or(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=7),
                 st.lists(st.floats(-2, 2), min_size=6, max_size=6), [[1.0] * 6],
                 ["a"] * 6, [None] * 6, torch.ones(6), torch.ones(6, dtype=torch.int64),
                 np.ones(6), torch.ones(2, 3), [1] + [[1]] * 5)


@fuzz(100)
@given(layer=LAYERS, vector=VECTORS, batch=BATCHES)
def test_direction(tiny, layer, vector, batch):
    scores(tiny, lambda: obj.direction(layer, vector, batch=batch))


@fuzz(50)
@given(layer=LAYERS, batch=BATCHES)
def test_layer_energy_and_diversity(tiny, layer, batch):
    scores(tiny, lambda: obj.layer_energy(layer, batch=batch))
    scores(tiny, lambda: obj.diversity(layer))


@fuzz(40)
@given(center=odd_or(st.floats(0, 1), 0.5))
def test_penalties(tiny, center):
    scores(tiny, lambda: obj.l2(center))
    scores(tiny, lambda: obj.total_variation())


SPECS = st.one_of(odd, st.text(alphabet="midlogtsabe:_-+0123456789²٣ .", max_size=12),
                  st.sampled_from(["mid:0", "logits:3", "labels:4", "logits:5", "labels:-1",
                                   "conv_1:2", " mid : 3 ", "mid:²", "mid:٣", "input:0",
                                   "logits", "early:3.0"]))


@fuzz(150)
@given(spec=SPECS)
def test_parse(tiny, spec):
    scores(tiny, lambda: obj.parse(spec))


OPERANDS = st.one_of(odd, st.sampled_from(["objective", "tv", "per image", "wrong length",
                                           "matrix", "numpy", "nan tensor"]))


def operand(kind):
    return {"objective": obj.channel("mid", 1), "tv": obj.total_variation(),
            "per image": torch.tensor([1.0, 2.0]), "wrong length": torch.ones(3),
            "matrix": torch.ones(2, 2), "numpy": np.float64(2.0),
            "nan tensor": torch.tensor(float("nan"))}.get(kind, kind) \
        if isinstance(kind, str) else kind


OPERATIONS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
              "/": lambda a, b: a / b}


@fuzz(200)
@given(other=OPERANDS, op=st.sampled_from(sorted(OPERATIONS)), left=st.booleans())
def test_algebra(tiny, other, op, left):
    base = obj.channel("mid", 0)
    other = operand(other)
    apply = OPERATIONS[op]
    scores(tiny, lambda: apply(base, other) if left else apply(other, base))
