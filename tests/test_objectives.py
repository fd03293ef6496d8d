"""Objectives give exact values on the tiny hand-built model, and stay linear."""
import numpy as np
import pytest
import torch

from course_utils.errors import CourseError
from course_utils.optim import objectives as O


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


def test_linear_combination_is_exact(acts):
    a, b = O.channel("mid", 0), O.channel("early", 3)
    combo = 2 * a + 3 * b
    torch.testing.assert_close(combo(acts), 2 * a(acts) + 3 * b(acts))
    torch.testing.assert_close((a - b / 4)(acts), a(acts) - 0.25 * b(acts))
    torch.testing.assert_close((-a)(acts), -a(acts))
    assert combo.layers == {"mid", "early"}


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


def test_scaling_by_an_objective_is_refused():
    with pytest.raises(CourseError, match="cannot be multiplied"):
        O.channel("mid", 0) * O.channel("mid", 1)


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
