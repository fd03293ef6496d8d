"""The synthetic scans: images in range, balanced labels, tags and stripes that agree
with the label on exactly the requested share, the same scans for the same seed."""
import math

import pytest
import torch

from course_utils.errors import CourseError
from course_utils.studies.shortcut_data import (IMAGE_SIZE, NO_TAG, TAG_OFFSET,
                                                TAG_SIZE, make_scans, tag_region, tag_token)


TAG_BOX = (slice(None), slice(None), slice(TAG_OFFSET, TAG_OFFSET + TAG_SIZE),
           slice(TAG_OFFSET, TAG_OFFSET + TAG_SIZE))


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
