"""The planted shortcut: the scan generator, the small CNN, its training loop and the
numbers that say whether a model looks at the tag's corner."""
import math

import pytest
import torch

from course_utils.errors import CourseError
from course_utils.optim import logit, render
from course_utils.studies.shortcut_data import (CLASSES, IMAGE_SIZE, NO_TAG, TAG_OFFSET, TAG_SIZE,
                                        make_scans, tag_region, tag_token)
from course_utils.studies.shortcut_model import (STAGES, ScanNet, accuracy, as_course_model, predict,
                                         train, train_scan_model)
from course_utils.studies.shortcut_probes import (corner_channels, decision_weight_concentration,
                                          energy_map, gradient_concentration,
                                          strongest_positions, tag_concentration)

TAG_BOX = (slice(None), slice(None), slice(TAG_OFFSET, TAG_OFFSET + TAG_SIZE),
           slice(TAG_OFFSET, TAG_OFFSET + TAG_SIZE))


# --- the scans ---------------------------------------------------------------------------

def test_scans_are_images_in_range_with_balanced_labels():
    scans = make_scans(101, seed=0)
    images, labels, tags, stripes = scans
    assert images.shape == (101, 3, IMAGE_SIZE, IMAGE_SIZE) and images.dtype == torch.float32
    assert 0 <= float(images.min()) and float(images.max()) <= 1
    assert len(scans) == 101
    assert sorted(labels.bincount().tolist()) == [50, 51]
    assert tags.shape == stripes.shape == labels.shape


def test_same_seed_same_scans_other_seed_other_scans():
    a, b, c = make_scans(40, seed=7), make_scans(40, seed=7), make_scans(40, seed=8)
    for x, y in zip(a, b):
        assert torch.equal(x, y)
    assert not torch.equal(a.images, c.images)


@pytest.mark.parametrize("n, agreement", [(1000, 0.95), (400, 0.8), (300, 0.0), (50, 1.0)])
def test_tag_agrees_with_the_label_on_exactly_the_requested_share(n, agreement):
    scans = make_scans(n, seed=1, tag_agreement=agreement)
    agree = int((scans.tags == scans.labels).sum())
    assert agree == round(agreement * n)
    assert scans.tag_agreement == pytest.approx(round(agreement * n) / n)


def test_default_training_set_agrees_95_percent_on_tags_and_90_on_stripes():
    scans = make_scans(2000, seed=3)
    assert scans.tag_agreement == pytest.approx(0.95)
    assert scans.stripe_agreement == pytest.approx(0.90)
    # the two disagreements are drawn independently: about 5 % of the stripe
    # disagreements also have a disagreeing tag
    both_wrong = float(((scans.tags != scans.labels) & (scans.stripes != scans.labels))
                       .float().mean())
    assert both_wrong == pytest.approx(0.05 * 0.10, abs=0.01)


def test_swapped_random_and_no_tags():
    swapped = make_scans(500, seed=2, tags="swapped")
    assert bool((swapped.tags == 1 - swapped.labels).all())
    random = make_scans(2000, seed=2, tags="random")
    assert set(random.tags.tolist()) == {0, 1}
    assert 0.45 < random.tag_agreement < 0.55  # independent of the label
    none = make_scans(50, seed=2, tags="none")
    assert bool((none.tags == NO_TAG).all()) and math.isnan(none.tag_agreement)


def test_each_tag_is_painted_and_only_the_corner_depends_on_the_tags():
    tagged, untagged = make_scans(60, seed=4), make_scans(60, seed=4, tags="none")
    for i in range(60):
        assert torch.equal(tagged.images[i][TAG_BOX[1:]],
                           tag_token(int(tagged.tags[i])).expand(3, TAG_SIZE, TAG_SIZE))
    difference = (tagged.images - untagged.images).abs().amax(1)
    rows, cols = tag_region()
    outside = difference.clone()
    outside[:, rows, cols] = 0
    assert float(outside.max()) == 0.0
    assert float(difference[:, rows, cols].max()) > 0.3
    assert not torch.equal(tag_token(0), tag_token(1))


def _stripe_direction_rule(images):
    """A rule with no learning: vertical stripes change along x, horizontal along y."""
    body = images[:, 0, 16:60, 16:60]
    dx = (body[:, :, 1:] - body[:, :, :-1]).abs().mean((1, 2))
    dy = (body[:, 1:, :] - body[:, :-1, :]).abs().mean((1, 2))
    return (dx > dy).long()  # 1 = vertical stripes


def test_the_label_is_in_the_stripes_not_only_in_the_tag():
    clean = make_scans(400, seed=5, tags="none", stripe_agreement=1.0)
    assert float((_stripe_direction_rule(clean.images) == clean.labels).float().mean()) > 0.9
    noisy = make_scans(400, seed=5, tags="none")  # stripes disagree with 10 % of labels
    assert float((_stripe_direction_rule(noisy.images) == noisy.stripes).float().mean()) > 0.9


@pytest.mark.parametrize("kwargs, words", [
    (dict(n=0), "n (the number of scans)"), (dict(n=2.5), "n (the number of scans)"),
    (dict(n=True), "n (the number of scans)"), (dict(n=10, seed=-1), "seed"),
    (dict(n=10, tags="swaped"), "'agree', 'swapped', 'random', 'none'"),
    (dict(n=10, tag_agreement=1.5), "tag_agreement"),
    (dict(n=10, tags="random", tag_agreement=0.9), "only applies to tags='agree'"),
    (dict(n=10, stripe_agreement=float("nan")), "stripe_agreement"),
])
def test_bad_scan_arguments_are_rejected_clearly(kwargs, words):
    with pytest.raises(CourseError, match="") as info:
        make_scans(**kwargs)
    assert words in str(info.value)


def test_bad_tag_type_is_rejected():
    with pytest.raises(CourseError, match="tag must be a whole number from 0 to 1"):
        tag_token(2)


# --- the network and its training ----------------------------------------------------------

def test_same_seed_same_initial_weights_and_global_rng_untouched():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    a, b, c = ScanNet(seed=1), ScanNet(seed=1), ScanNet(seed=2)
    assert torch.equal(torch.rand(3), expected)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a.conv1.weight, c.conv1.weight)


def test_training_is_deterministic_per_seed():
    scans = make_scans(200, seed=0)
    nets = [ScanNet(seed=0), ScanNet(seed=0), ScanNet(seed=0)]
    histories = [train(net, scans, epochs=1, seed=s, progress=False)
                 for net, s in zip(nets, (0, 0, 1))]
    same = [torch.equal(p, q) for p, q in zip(nets[0].state_dict().values(),
                                              nets[1].state_dict().values())]
    assert all(same) and histories[0]["loss"] == histories[1]["loss"]
    assert not torch.equal(nets[0].fc.weight, nets[2].fc.weight)  # another batch order
    assert not torch.equal(nets[0].fc.weight, ScanNet(seed=0).fc.weight)  # it did train
    assert not nets[0].training


def test_training_uses_one_thread_and_restores_the_setting():
    before = torch.get_num_threads()
    seen = []

    class Spy(ScanNet):
        def forward(self, x):
            seen.append(torch.get_num_threads())
            return super().forward(x)

    train(Spy(seed=0), make_scans(20, seed=0), epochs=1, batch_size=10, progress=False)
    assert seen == [1, 1] and torch.get_num_threads() == before


def test_training_shows_a_progress_bar(capsys):
    train(ScanNet(seed=0), make_scans(100, seed=0), epochs=1, progress=True)
    assert "training" in capsys.readouterr().err


@pytest.mark.parametrize("kwargs, words", [
    (dict(epochs=0), "epochs"), (dict(epochs=1.5), "epochs"), (dict(batch_size=0), "batch_size"),
    (dict(lr=0.0), "lr"), (dict(seed=-2), "seed"),
])
def test_bad_training_arguments_are_rejected_clearly(kwargs, words):
    with pytest.raises(CourseError, match=words):
        train(ScanNet(seed=0), make_scans(10, seed=0), progress=False, **kwargs)


def test_training_refuses_wrong_data_and_frozen_networks():
    with pytest.raises(CourseError, match="make_scans"):
        train(ScanNet(), (torch.rand(4, 3, 64, 64), torch.zeros(4)), progress=False)
    frozen = as_course_model(ScanNet(seed=0))
    with pytest.raises(CourseError, match="frozen"):
        train(frozen.module, make_scans(10, seed=0), progress=False)
    with pytest.raises(CourseError, match="ScanNet"):
        as_course_model(torch.nn.Conv2d(3, 3, 1))


def test_course_model_wrapper_has_stages_labels_and_renders():
    model = as_course_model(ScanNet(seed=0), "untrained")
    assert model.labels == list(CLASSES) and model.input_size == IMAGE_SIZE
    assert {stage: model.resolve(stage) for stage in STAGES} == STAGES
    assert model.spatial[model.resolve("late")] == (16, 16)
    result = render(model, logit(0), size=64, steps=3, progress=False)
    assert result.images.shape == (1, 3, 64, 64)
    assert torch.equal(predict(model, make_scans(5, seed=0).images),
                       predict(model.module, make_scans(5, seed=0).images))


# --- the shortcut, found -----------------------------------------------------------------

@pytest.fixture(scope="module")
def trained():
    """The shortcut model (tags agree 95 %) and the fixed one (random tags), small."""
    torch.manual_seed(0)
    shortcut, _ = train_scan_model("agree", seed=0, n=1500, epochs=4, progress=False)
    fixed, _ = train_scan_model("random", seed=0, n=1500, epochs=4, progress=False)
    return as_course_model(shortcut, "shortcut"), as_course_model(fixed, "fixed")


@pytest.fixture(scope="module")
def splits():
    return {"held-out": make_scans(400, seed=100),
            "swapped": make_scans(400, seed=101, tags="swapped", stripe_agreement=1.0),
            "no tag": make_scans(400, seed=102, tags="none", stripe_agreement=1.0)}


def test_shortcut_model_collapses_when_tags_are_swapped_and_the_fix_recovers(trained, splits):
    shortcut, fixed = trained
    held_out = accuracy(shortcut, splits["held-out"])
    swapped = accuracy(shortcut, splits["swapped"])
    assert held_out > 0.9
    assert swapped < 0.5 * held_out  # below chance: it follows the tag
    assert accuracy(fixed, splits["swapped"]) > swapped + 0.5
    assert accuracy(fixed, splits["no tag"]) > 0.85


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


# --- the localization number ---------------------------------------------------------------

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
