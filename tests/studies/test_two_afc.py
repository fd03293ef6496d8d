"""The machine 2-AFC proxy: the observer, the feature spaces and bad input."""
import numpy as np
import pytest
import torch

from course_utils.studies import two_afc as ta
from course_utils.studies.dataset_examples import _iou, top_examples
from course_utils.errors import CourseError
from colour_world import tinted_bank


@pytest.fixture(scope="module")
def bank():
    return tinted_bank(6)


def solid(rgb, n=2, side=24, noise=0.0):
    """Flat-colour images, with a little pixel noise if asked."""
    flat = torch.tensor(rgb, dtype=torch.float32).view(1, 3, 1, 1).expand(n, 3, side, side)
    grain = noise * torch.randn(n, 3, side, side, generator=torch.Generator().manual_seed(0))
    return (flat + grain).clamp(0, 1)


def test_observer_picks_the_query_closer_to_the_references():
    refs = np.array([[1.0, 0.0], [0.8, 0.6]])
    a = np.array([[1.0, 0.0], [0.0, 1.0]])
    b = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert ta.choose_stronger(a, b, refs).tolist() == [True, False]
    assert ta.choose_stronger(a, a, refs).tolist() == [False, False]  # a tie is not a win


def test_pixel_statistics_see_colour_and_orientation():
    stripes = torch.zeros(2, 3, 32, 32)
    stripes[0, :, :, ::4] = 1.0   # vertical lines: brightness changes along x
    stripes[1, :, ::4, :] = 1.0   # horizontal lines: brightness changes along y
    feats = ta.pixel_statistics(torch.cat([stripes, solid((0.2, 0.4, 0.6), 1, 32)]))
    assert feats.shape == (3, 40)
    orient = feats[:, 30:38]
    assert orient[0].argmax() == 0 and orient[1].argmax() == 4
    np.testing.assert_allclose(feats[2, :3], [0.2, 0.4, 0.6], atol=1e-4)


@pytest.mark.parametrize("space", ["pixels", "early"])
def test_references_that_show_the_feature_help_and_wrong_ones_hurt(colour, bank, space):
    chans = [1, 2]  # the red and the green detectors
    red, green = solid((0.8, 0.4, 0.4), noise=0.08), solid((0.4, 0.8, 0.4), noise=0.08)
    right, wrong = {1: red, 2: green}, {1: green, 2: red}
    good = ta.two_afc(colour, bank, "mid", chans, right, pairs=10, space=space)
    bad = ta.two_afc(colour, bank, "mid", chans, wrong, pairs=10, space=space)
    assert len(good["natural"].correct) == 20
    assert good["natural"].accuracy >= 0.9 and good["synthetic"].accuracy >= 0.8
    assert bad["synthetic"].accuracy < 0.5  # misleading references: worse than a guess
    assert good["synthetic"].accuracy - bad["synthetic"].accuracy >= 0.5
    assert bad["natural"].accuracy == good["natural"].accuracy  # same queries, same refs
    none = good["none"]
    assert none.accuracy == 0.5 and none.wilson[0] < 0.5 < none.wilson[1]
    for strong, weak in good.queries.values():  # the queries really are strong and weak
        assert strong.activations.min() > weak.activations.max()
    table = good.table()
    assert "92%" in table and "73%" in table  # people with 9 natural references, and with 1
    assert "82%" not in table and "65%" not in table  # nobody saw 2 synthetic images


def test_another_channels_references_are_the_control(colour, bank):
    chans = [1, 2]  # the red and the green detectors: each one's references mislead the other
    red, green = solid((0.8, 0.4, 0.4), noise=0.08), solid((0.4, 0.8, 0.4), noise=0.08)
    right = ta.two_afc(colour, bank, "mid", chans, {1: red, 2: green}, pairs=10)
    swapped = ta.two_afc(colour, bank, "mid", chans, {1: green, 2: red}, pairs=10)
    # with two channels "the next channel" is the other one: its synthetic control is
    # exactly the run with the synthetic references swapped
    np.testing.assert_array_equal(right["synthetic (other channel)"].correct,
                                  swapped["synthetic"].correct)
    assert right["natural (other channel)"].accuracy < 0.5 < right["natural"].accuracy
    gap, (low, _) = right.difference("natural", "natural (other channel)")
    assert gap >= 0.5 and low > 0
    table = right.table()
    assert "natural (other channel)" in table and "coin flip" in table
    # one channel alone has no other channel to compare with
    single = ta.two_afc(colour, bank, "mid", [1], {1: red}, pairs=10)
    assert "natural (other channel)" not in single.conditions


def test_query_patches_share_no_pixels_with_the_references(colour, bank):
    refs = {1: solid((0.9, 0.3, 0.3))}
    result = ta.two_afc(colour, bank, "mid", [1], refs, pairs=10)
    natural = top_examples(colour, bank, "mid", 1, 9, photos=ta.split_photos(bank)[0])
    assert natural.tiles == result.natural[1].tiles
    strong, _ = result.queries[1]
    for p, box in zip(strong.photos, strong.source_boxes):
        assert not any(p == q and _iou(box, b) > 0
                       for q, b in zip(natural.photos, natural.source_boxes))


def test_held_out_queries_come_from_photos_without_references(colour, bank):
    refs = {1: solid((0.9, 0.3, 0.3)), 2: solid((0.3, 0.9, 0.3))}
    result = ta.two_afc(colour, bank, "mid", [1, 2], refs, pairs=6)
    reference_photos, query_photos = ta.split_photos(bank)
    assert set(reference_photos).isdisjoint(query_photos)
    assert set(reference_photos) | set(query_photos) == set(bank.photos)
    for c in (1, 2):
        strong, weak = result.queries[c]
        assert set(result.natural[c].photos) <= set(reference_photos)
        assert set(strong.photos) | set(weak.photos) <= set(query_photos)
    shared = ta.two_afc(colour, bank, "mid", [1, 2], refs, pairs=6, held_out=False)
    assert set(shared.natural[1].photos) & set(query_photos)  # the top patches use both halves


def test_single_reference_and_paired_difference(colour, bank):
    chans = [1, 2]
    right = {1: solid((0.8, 0.4, 0.4), noise=0.08), 2: solid((0.4, 0.8, 0.4), noise=0.08)}
    wrong = {1: right[2], 2: right[1]}
    result = ta.two_afc(colour, bank, "mid", chans, wrong, pairs=10)
    assert result.references == {"synthetic": 2, "natural": 9, "natural (1)": 1, "none": 0,
                                 "synthetic (other channel)": 2, "natural (other channel)": 9}
    assert result["natural (1)"].accuracy >= 0.8  # the top patch alone already shows the colour
    gap, (low, high) = result.difference("natural", "synthetic")
    assert gap == pytest.approx(result["natural"].accuracy - result["synthetic"].accuracy)
    assert low <= gap <= high and low > 0  # misleading synthetic references: a clear gap
    same, (lo, hi) = result.difference("natural", "natural")
    assert same == 0 and lo == hi == 0


def test_bad_input_is_explained(colour, bank):
    refs = {0: solid((1, 0, 0)), 1: solid((1, 0, 0))}
    with pytest.raises(CourseError, match="whole number from 0 to"):
        ta.two_afc(colour, bank, "mid", [5], {5: solid((1, 0, 0))})
    with pytest.raises(CourseError, match="no images for channel"):
        ta.two_afc(colour, bank, "mid", [0, 2], refs)
    with pytest.raises(CourseError, match="channels is empty"):
        ta.two_afc(colour, bank, "mid", [], refs)
    with pytest.raises(CourseError, match="space must be one of 'early', 'pixels'"):
        ta.two_afc(colour, bank, "mid", [0], refs, space="logits")
    with pytest.raises(CourseError, match="would see the answer"):
        ta.two_afc(colour, bank, "early", [0], refs)
    with pytest.raises(CourseError, match="pairs"):
        ta.two_afc(colour, bank, "mid", [0], refs, pairs=0)
    with pytest.raises(CourseError, match="weak"):
        ta.two_afc(colour, bank, "mid", [0], refs, weak="median")
    with pytest.raises(CourseError, match=r"synthetic\[0\] must have shape \(N, 3, H, W\)"):
        ta.two_afc(colour, bank, "mid", [0], {0: torch.zeros(3, 8, 8)})
    with pytest.raises(CourseError, match="needs at least 400 distinct strong and weak patches"):
        ta.two_afc(colour, bank, "mid", [0], refs, pairs=400)
