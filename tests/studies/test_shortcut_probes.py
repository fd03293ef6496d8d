"""The numbers that say whether a scan model looks at the tag's corner: energy
concentration, decision gradients and weights, the channels the classifier weighs at
the corner, and where a channel fires most."""
import math

import pytest
import torch

from course_utils.errors import CourseError
from course_utils.studies.shortcut_model import ScanNet, as_course_model
from course_utils.studies.shortcut_probes import (corner_channels, decision_weight_concentration,
                                                  energy_map, gradient_concentration,
                                                  strongest_positions, tag_concentration)


def test_decision_gradient_sits_in_the_corner_only_for_the_shortcut_model(trained, splits):
    shortcut, fixed = trained
    images = splits["held-out"].images[:100]
    assert gradient_concentration(shortcut, images) > 1.5  # more than an even spread
    assert gradient_concentration(shortcut, images) > 3 * gradient_concentration(fixed, images)


def test_the_classifier_weighs_the_corner_and_its_channels_fire_there(trained, splits):
    shortcut, fixed = trained
    # the fixed model sees tags too (and may have channels that detect them), but its
    # classifier gives the corner less weight than an even spread would
    assert decision_weight_concentration(fixed) < 1.0
    assert decision_weight_concentration(shortcut) > 1.3 * decision_weight_concentration(fixed)
    channel = corner_channels(shortcut, 1)[0]
    examples = strongest_positions(shortcut, channel, splits["held-out"].images, k=20)
    assert examples.corner_share() > 0.8
    assert examples.activation[0] >= examples.activation[-1]


def test_concentration_of_energy_all_in_the_corner_is_the_area_ratio():
    x = torch.full((1, 3, 64, 64), 0.5)
    x[0, :, 2:6, 3:9] = 1.0  # a patch inside the 16 × 16 corner
    # the energy is measured around the image mean, so some of it lies outside the patch:
    energy = energy_map(x)[0]
    expected = float(energy[:16, :16].sum() / energy.sum()) * 16
    assert float(tag_concentration(x)[0]) == pytest.approx(expected, rel=1e-5)
    assert float(tag_concentration(x)[0]) > 14


def test_concentration_of_an_even_pattern_is_one_and_of_a_flat_image_nan():
    y, x = torch.meshgrid(torch.arange(64), torch.arange(64), indexing="ij")
    board = ((y + x) % 2).float().expand(3, 64, 64)
    assert float(tag_concentration(board)[0]) == pytest.approx(1.0, abs=1e-5)
    assert math.isnan(float(tag_concentration(torch.full((3, 64, 64), 0.3))[0]))


def test_pooled_concentration_weights_images_by_their_energy():
    corner = torch.zeros(1, 3, 64, 64)
    corner[0, :, :8, :8] = 1.0
    spread = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    both = torch.cat([corner, spread])
    pooled = tag_concentration(both, pooled=True)
    single = tag_concentration(both)
    assert isinstance(pooled, float) and float(single.min()) < pooled < float(single.max())


@pytest.mark.parametrize("bad", [torch.rand(2, 1, 64, 64), torch.rand(2, 3, 64, 32),
                                 torch.rand(64, 64), torch.rand(1, 3, 4, 4), "image"])
def test_concentration_rejects_bad_input(bad):
    with pytest.raises(CourseError):
        tag_concentration(bad)


def test_probes_reject_wrong_models_and_arguments():
    net = ScanNet(seed=0)
    model = as_course_model(net)
    with pytest.raises(CourseError, match="course model from load_model"):
        gradient_concentration(ScanNet(seed=0), torch.rand(2, 3, 64, 64))
    with pytest.raises(CourseError, match="count"):
        corner_channels(model, 0)
    with pytest.raises(CourseError, match="ScanNet"):
        corner_channels(torch.nn.Linear(2, 2))
    with pytest.raises(CourseError, match="ScanNet"):
        decision_weight_concentration("model")
    with pytest.raises(CourseError, match="channel must be a whole number from 0 to 31"):
        strongest_positions(model, 99, torch.rand(4, 3, 64, 64))
    with pytest.raises(CourseError, match="k must be"):
        strongest_positions(model, 0, torch.rand(4, 3, 64, 64), k=5)
