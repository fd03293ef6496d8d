"""Objectives give exact values on the tiny hand-built model and on hand-made images;
their algebra (+, -, *, / by numbers or per-image weights) is exact and linear; a
penalty is an objective on the image like any other."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.errors import CourseError
from course_utils.optim import objectives as O
from course_utils.optim.objectives import channel, direction, layer_energy, neuron


@pytest.fixture
def acts(tiny):
    """Captured activations of a fixed batch of 3 images on the tiny model."""
    from course_utils.hooks import capture

    x = torch.rand(3, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    with capture(tiny.module, ["conv1", "conv2"]) as a:
        logits = tiny.module(x)
    return {"early": a["conv1"], "mid": a["conv2"], O.LOGITS: logits}


def test_channel_is_the_spatial_mean(acts):
    torch.testing.assert_close(O.channel("mid", 2)(acts), acts["mid"][:, 2].mean((-2, -1)))


def test_neuron_defaults_to_the_centre(acts):
    h, w = acts["mid"].shape[-2:]  # 8 × 8 → centre (4, 4)
    torch.testing.assert_close(O.neuron("mid", 1)(acts), acts["mid"][:, 1, h // 2, w // 2])
    torch.testing.assert_close(O.neuron("mid", 1, x=0, y=7)(acts), acts["mid"][:, 1, 7, 0])


def test_layer_is_the_mean_square(acts):
    torch.testing.assert_close(O.layer_energy("early")(acts), (acts["early"] ** 2).mean((1, 2, 3)))


def test_logit_reads_the_output(acts):
    torch.testing.assert_close(O.logit(3)(acts), acts[O.LOGITS][:, 3])


def test_negative_direction_is_minus_the_channel(acts):
    v = torch.zeros(6)
    v[4] = -1.0
    torch.testing.assert_close(O.direction("mid", v)(acts), -O.channel("mid", 4)(acts))


def test_direction_is_a_normalized_weighted_group(acts):
    v = torch.tensor([3.0, 0.0, 4.0, 0.0, 0.0, 0.0])  # norm 5
    expected = 0.6 * O.channel("mid", 0)(acts) + 0.8 * O.channel("mid", 2)(acts)
    torch.testing.assert_close(O.direction("mid", v)(acts), expected)


def test_batch_selects_one_image(acts):
    score = O.channel("mid", 0, batch=1)(acts)
    assert score[0] == 0 and score[2] == 0
    assert score[1] == acts["mid"][1, 0].mean()


def test_diversity_is_minus_the_mean_gram_similarity(acts):
    flat = acts["mid"].flatten(2)
    grams = [(f @ f.T).flatten() for f in flat]
    cos = lambda u, v: float(u @ v / (u.norm() * v.norm()))  # noqa: E731
    expected = [-(cos(grams[0], grams[1]) + cos(grams[0], grams[2])) / 2,
                -(cos(grams[1], grams[0]) + cos(grams[1], grams[2])) / 2,
                -(cos(grams[2], grams[0]) + cos(grams[2], grams[1])) / 2]
    assert O.diversity("mid")(acts).tolist() == pytest.approx(expected, abs=1e-5)


def test_identical_images_have_the_lowest_diversity(acts):
    same = {"mid": acts["mid"][:1].expand(3, -1, -1, -1)}
    assert O.diversity("mid")(same).tolist() == pytest.approx([-1.0] * 3, abs=1e-5)


def test_diversity_needs_two_images(acts):
    with pytest.raises(CourseError):
        O.diversity("mid")({"mid": acts["mid"][:1]})


# --- penalties: objectives on the image ------------------------------------------------


def on_images(objective, images):
    """An objective that reads only the image, evaluated on ``images``."""
    assert objective.layers == {"input"}
    return objective({"input": images})


def test_l2_is_the_mean_squared_distance_from_grey():
    images = torch.stack([torch.full((3, 2, 2), 0.5), torch.full((3, 2, 2), 1.0)])
    images[0, 0, 0, 0] = 0.9  # one pixel of 12 is 0.4 away from grey
    np.testing.assert_allclose(on_images(O.l2(), images).numpy(), [0.16 / 12, 0.25], rtol=1e-5)


def test_total_variation_by_hand():
    # one channel row [0, 1, 1] / [0, 0, 1]: vertical diffs |0-0|,|1-0|,|1-1| → 1/3,
    # horizontal diffs 1, 0, 0, 1 → 2/4
    img = torch.tensor([[0.0, 1.0, 1.0], [0.0, 0.0, 1.0]]).expand(1, 3, 2, 3)
    assert on_images(O.total_variation(), img).item() == pytest.approx(1 / 3 + 1 / 2, abs=1e-6)


def test_total_variation_matches_numpy_per_image():
    x = torch.rand(3, 3, 8, 9, generator=torch.Generator().manual_seed(0))
    a = x.numpy()
    expected = (np.abs(np.diff(a, axis=2)).mean((1, 2, 3))
                + np.abs(np.diff(a, axis=3)).mean((1, 2, 3)))
    np.testing.assert_allclose(on_images(O.total_variation(), x).numpy(), expected, rtol=1e-5)


def test_flat_images_have_no_variation_and_grey_has_no_l2():
    grey = torch.full((2, 3, 5, 5), 0.5)
    assert on_images(O.total_variation(), grey).tolist() == [0.0, 0.0]
    assert on_images(O.l2(), grey).tolist() == [0.0, 0.0]


# --- the algebra ----------------------------------------------------------------------


quick = settings(max_examples=25, deadline=None)  # modest counts keep the suite fast


seeds = st.integers(0, 2 ** 31 - 1)


weights = st.floats(-10, 10, allow_nan=False)


def random_acts(seed: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    return {"a": torch.randn(3, 5, 4, 4, generator=g), "b": torch.randn(3, 7, 2, 2, generator=g)}


def objectives():
    return st.sampled_from([
        channel("a", 1), channel("b", 6, batch=2), neuron("a", 4, x=1, y=3), layer_energy("b"),
        direction("a", [1.0, 0.0, -2.0, 0.5, 3.0]),
    ])


@quick
@given(seed=seeds, x=objectives(), y=objectives(), a=weights, b=weights)
def test_weighted_sum_of_objectives_is_the_weighted_sum_of_scores(seed, x, y, a, b):
    acts = random_acts(seed)
    combined = a * x + b * y
    assert torch.allclose(combined(acts), a * x(acts) + b * y(acts), rtol=1e-5, atol=1e-5)
    assert combined.layers == x.layers | y.layers


@quick
@given(seed=seeds, x=objectives(), y=objectives(), c=weights.filter(lambda v: abs(v) > 1e-3))
def test_subtraction_negation_and_division(seed, x, y, c):
    acts = random_acts(seed)
    assert torch.allclose((x - y)(acts), x(acts) - y(acts), atol=1e-5)
    assert torch.equal((-x)(acts), -x(acts))
    assert torch.allclose((x / c)(acts), x(acts) / c, rtol=1e-5, atol=1e-6)
    assert torch.allclose((c - x)(acts), c - x(acts), atol=1e-5)


@quick
@given(seed=seeds, x=objectives(), y=objectives())
def test_objective_score_is_one_number_per_image(seed, x, y):
    assert (x + 2 * y)(random_acts(seed)).shape == (3,)


def test_combined_objective_keeps_every_channel_to_validate():
    combined = channel("a", 1) + 0.5 * neuron("b", 6) - channel("a", 2)
    assert sorted(combined.channels) == [("a", 1), ("a", 2), ("b", 6)]


@pytest.mark.parametrize("bad", ["x", None, [1.0]])
def test_objectives_only_scale_by_numbers(bad):
    with pytest.raises(CourseError, match="combines with another objective or a number"):
        channel("a", 1) * bad


def test_per_image_weights_scale_each_image():
    x = torch.rand(3, 3, 6, 6, generator=torch.Generator().manual_seed(4))
    weights = torch.tensor([0.0, 1.0, 10.0])
    torch.testing.assert_close(on_images(weights * O.total_variation(), x),
                               weights * on_images(O.total_variation(), x))


def test_scaling_by_an_objective_is_refused():
    with pytest.raises(CourseError, match="cannot be multiplied"):
        O.channel("mid", 0) * O.channel("mid", 1)


# --- inside a render ------------------------------------------------------------------


def test_rendering_a_sum_raises_both_parts(tiny):
    from course_utils.optim import evaluate, render

    a, b = O.channel("mid", 0), O.channel("mid", 3)
    start = torch.full((1, 3, 16, 16), 0.5)
    r = render(tiny, a + b, size=16, steps=30, transforms=None, progress=False, seed=0)
    assert evaluate(tiny, a + b, r.images)[0] > evaluate(tiny, a + b, start)[0]
    assert r.score[0] == pytest.approx(evaluate(tiny, a, r.images)[0]
                                            + evaluate(tiny, b, r.images)[0], rel=1e-5)


def test_channel_minus_scaled_penalties_by_hand(tiny):
    """One algebra for what is maximized: a channel, minus 0.05 × total variation,
    minus 2 × L2, checked against a computation written out with numpy."""
    from course_utils.optim import evaluate, render
    from course_utils.optim.param import PixelImage

    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(7))
    objective = O.channel("mid", 1) - 0.05 * O.total_variation() - 2.0 * O.l2()
    assert objective.layers == {"mid", "input"}

    with torch.no_grad():
        conv2 = tiny.module.conv2(tiny.module.relu1(tiny.module.conv1(x))).numpy()
    a = x.numpy()
    channel_mean = conv2[:, 1].mean(axis=(1, 2))
    tv = np.abs(np.diff(a, axis=2)).mean((1, 2, 3)) + np.abs(np.diff(a, axis=3)).mean((1, 2, 3))
    l2 = ((a - 0.5) ** 2).mean((1, 2, 3))
    expected = channel_mean - 0.05 * tv - 2.0 * l2

    np.testing.assert_allclose(evaluate(tiny, objective, x), expected, rtol=1e-5, atol=1e-6)
    # inside a real render the first step scores the starting image the same way
    result = render(tiny, objective, param=PixelImage(16, init=x), steps=1, transforms=None,
                    progress=False)
    np.testing.assert_allclose(result.history[0], expected, rtol=1e-5, atol=1e-6)


def test_penalty_lowers_the_renderers_score(tiny):
    from course_utils.optim import channel, render
    from course_utils.optim.param import image

    kwargs = dict(size=16, steps=3, transforms=None, progress=False, seed=0)
    plain = render(tiny, channel("mid", 0), **kwargs)
    penalised = render(tiny, channel("mid", 0) - 100 * O.l2(), **kwargs)
    # step 0 sees the same image: the history differs by exactly the penalty
    first = image(16, seed=0)()
    expected = plain.history[0, 0] - 100 * on_images(O.l2(), first).item()
    assert penalised.history[0, 0] == pytest.approx(expected, rel=1e-4, abs=1e-5)
