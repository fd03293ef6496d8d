"""The model-randomization sanity check: randomized copies (all layers, or the cascade
from one layer to the top), saliency maps, and the agreement numbers that compare them."""
import numpy as np
import pytest
import torch
from scipy import stats

from course_utils.errors import CourseError
from course_utils.hooks import count_hooks
from course_utils.optim import channel, guided_relu, input_gradient
from course_utils.studies.metrics import rank_correlation
from course_utils.studies.randomization import (RandomizationResult, map_agreement,
                                                randomization_test, randomized_copy, saliency)


def weights(model):
    return {n: p.detach().clone() for n, p in model.module.named_parameters()}


def changed(before, model):
    return sorted(n for n, p in model.module.named_parameters() if not torch.equal(p, before[n]))


# --- randomized copies and the cascade ----------------------------------------------------

def test_a_randomized_copy_redraws_every_layer_and_leaves_the_model_alone(tiny):
    before, state = weights(tiny), torch.random.get_rng_state()
    copy = randomized_copy(tiny, seed=1)
    assert torch.equal(torch.random.get_rng_state(), state)  # the global generator untouched
    assert changed(before, tiny) == []
    assert changed(before, copy) == sorted(n for n in before if not n.startswith("fc."))
    assert copy.module is not tiny.module and not copy.module.training
    assert not any(p.requires_grad for p in copy.module.parameters())
    assert "random weights, all layers, seed 1" in copy.name


def test_the_same_seed_gives_the_same_copy_and_another_seed_another(tiny):
    a, b, c = (weights(randomized_copy(tiny, seed=s)) for s in (3, 3, 4))
    assert all(torch.equal(a[n], b[n]) for n in a)
    assert any(not torch.equal(a[n], c[n]) for n in a)


def test_the_cascade_keeps_the_layers_below_and_redraws_from_the_named_one_up(tiny):
    before = weights(tiny)
    from_mid = randomized_copy(tiny, seed=1, from_layer="mid")  # conv2 and what follows
    assert changed(before, from_mid) == ["conv2.bias", "conv2.weight"]
    assert "from conv2 on" in from_mid.name
    # deeper starts redraw fewer layers: the cascade goes from the top down
    counts = [len(changed(before, randomized_copy(tiny, seed=1, from_layer=layer)))
              for layer in ("conv1", "conv2", "relu2")]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]


def test_a_copy_of_an_unknown_layer_or_with_a_bad_seed_is_refused(tiny):
    with pytest.raises(CourseError, match="conv"):
        randomized_copy(tiny, from_layer="conv")
    with pytest.raises(CourseError, match="seed must be a whole number"):
        randomized_copy(tiny, seed=-1)


# --- saliency maps and their agreement ----------------------------------------------------

def test_saliency_is_the_size_of_each_images_own_input_gradient(tiny):
    images = torch.rand(3, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    objective = channel("mid", 1)
    maps = saliency(tiny, objective, images)
    for i in range(3):
        torch.testing.assert_close(maps[i], input_gradient(tiny, objective, images[i:i + 1])
                                   .abs().sum(1)[0])
    with guided_relu(tiny.module):
        guided = input_gradient(tiny, objective, images[:1]).abs().sum(1)[0]
    torch.testing.assert_close(saliency(tiny, objective, images[:1], guided=True)[0], guided)
    assert count_hooks(tiny.module) == 0 and "forward" not in tiny.module.relu1.__dict__


def test_rank_correlation_is_spearmans():
    rng = np.random.default_rng(0)
    a, b = rng.random(50), rng.random(50)
    assert rank_correlation(a, b) == pytest.approx(stats.spearmanr(a, b).correlation, abs=1e-6)
    assert rank_correlation(a, a) == pytest.approx(1.0)
    assert rank_correlation(a, -a) == pytest.approx(-1.0)
    with pytest.raises(CourseError, match="same size"):
        rank_correlation(a, b[:10])


def test_map_agreement_pairs_maps_one_by_one():
    maps = torch.rand(4, 6, 6, generator=torch.Generator().manual_seed(1))
    np.testing.assert_allclose(map_agreement(maps, maps), np.ones(4), atol=1e-6)
    np.testing.assert_allclose(map_agreement(maps, -maps), -np.ones(4), atol=1e-6)
    np.testing.assert_allclose(map_agreement(maps, maps.flip(0))[[0, 3]],
                               [rank_correlation(maps[0], maps[3])] * 2, atol=1e-6)
    with pytest.raises(CourseError, match="one by one"):
        map_agreement(maps, maps[:2])


def test_randomization_test_compares_trained_with_random_and_random_with_random(tiny):
    images = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(2))
    objective = channel("mid", 0)
    result = randomization_test(tiny, lambda net: objective, images, seeds=(1, 2))
    nets = [tiny, randomized_copy(tiny, 1), randomized_copy(tiny, 2)]
    for method, guided in (("gradient", False), ("guided", True)):
        maps = [saliency(net, objective, images, guided) for net in nets]
        assert result.trained_vs_random[method] == pytest.approx(
            float(map_agreement(maps[0], maps[1]).mean()))
        assert result.random_vs_random[method] == pytest.approx(
            float(map_agreement(maps[1], maps[2]).mean()))
    table = result.table()
    assert "gradient" in table and "guided" in table and "trained vs random" in table
    with pytest.raises(CourseError, match="at least 2 seeds"):
        randomization_test(tiny, lambda net: objective, images, seeds=(1,))


def test_the_result_table_shows_every_number_to_two_places():
    result = RandomizationResult({"gradient": 0.123, "guided": 0.9}, {"gradient": -0.05,
                                                                       "guided": 0.88})
    rows = result.table().splitlines()
    assert len(rows) == 3 and "0.12" in rows[1] and "-0.05" in rows[1] and "0.90" in rows[2]
