"""Bank activations (computed once, cached safely), top / bottom patches and clusters."""
import os

import numpy as np
import pytest
import torch

import course_utils
from course_utils.studies import dataset_examples as de
from course_utils.errors import CourseError
from course_utils.hooks import capture
from course_utils.studies.image_bank import ImageBank, build_bank
from course_utils.models import wrap_module
from course_utils.studies.receptive_field import receptive_field
from colour_world import SIDE, ColourNet, tinted, tinted_bank

@pytest.fixture(scope="module")
def bank():
    return tinted_bank(5)


def brute_force(model, bank, layer):
    """Max / argmax per tile and channel over the interior positions, the plain way."""
    mask = torch.from_numpy(receptive_field(model, layer).interior().reshape(-1))
    with torch.no_grad(), capture(model.module, [layer]) as acts:
        model.module(model.preprocess(bank.images()))
    flat = acts[layer].flatten(2)
    top, where = flat.masked_fill(~mask, -np.inf).max(-1)
    low, _ = flat.masked_fill(~mask, np.inf).min(-1)
    return top.numpy(), where.numpy(), low.numpy()


def test_bank_activations_match_a_plain_forward_pass(colour, bank):
    acts = de.bank_activations(colour, bank, "mid", progress=False)
    top, where, low = brute_force(colour, bank, "out")
    assert acts.max.shape == (len(bank), 3)
    np.testing.assert_allclose(acts.max, top, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(acts.min, low, rtol=1e-4, atol=1e-5)
    assert (acts.argmax == where).mean() > 0.99  # ties in flat regions aside
    interior = receptive_field(colour, "out").interior().reshape(-1)
    assert interior[acts.argmax].all() and interior[acts.argmin].all()


def test_cache_is_written_once_and_read_back(colour, bank, cache):
    first = de.bank_activations(colour, bank, "mid", progress=True)
    assert not first.from_cache and os.path.isfile(first.cache_file)
    assert os.path.dirname(first.cache_file) == str(cache)
    again = de.bank_activations(colour, bank, "mid", progress=False)
    assert again.from_cache
    for stat in de.STATS:
        np.testing.assert_array_equal(getattr(first, stat), getattr(again, stat))


def test_cache_key_holds_model_weights_bank_layer_and_version(colour, bank, monkeypatch):
    key = de.cache_key(colour, bank, "mid")
    assert {key["model"], key["layer"], key["course_utils"]} == {"colournet", "out",
                                                                course_utils.__version__}
    path = de.cache_path(key)
    other_bank = ImageBank({"grey": tinted("grey", 1)}, SIDE, zooms=(1,))
    assert de.cache_path(de.cache_key(colour, other_bank, "mid")) != path
    assert de.cache_path(de.cache_key(colour, bank, "early")) != path
    monkeypatch.setattr(de, "__version__", "99.0.0")  # as after an upgrade
    assert de.cache_path(de.cache_key(colour, bank, "mid")) != path


def test_changed_weights_never_read_the_old_cache():
    torch.manual_seed(0)
    model = wrap_module(ColourNet(), name="colournet", input_size=SIDE, stages={"mid": "out"})
    bank = ImageBank({"red": tinted("red", 0), "green": tinted("green", 1)}, SIDE, zooms=(1, 2))
    before = de.bank_activations(model, bank, "mid", progress=False)
    with torch.no_grad():
        model.module.out.weight.mul_(2.0)
    after = de.bank_activations(model, bank, "mid", progress=False)
    assert not after.from_cache and after.cache_file != before.cache_file
    np.testing.assert_allclose(after.max, 2 * before.max, rtol=1e-4, atol=1e-5)


def test_damaged_cache_is_rebuilt(colour, bank):
    path = de.bank_activations(colour, bank, "mid", progress=False).cache_file
    with open(path, "wb") as f:
        f.write(b"not a numpy file")
    with pytest.warns(UserWarning, match="damaged"):
        rebuilt = de.bank_activations(colour, bank, "mid", progress=False)
    assert not rebuilt.from_cache
    assert de.bank_activations(colour, bank, "mid", progress=False).from_cache


def test_stale_cache_is_rebuilt(colour, bank):
    fresh = de.bank_activations(colour, bank, "mid", progress=False)
    key = de.cache_key(colour, bank, "mid", receptive_field(colour, "out").interior())
    stale = dict(key, weights="0" * 16)  # a file that claims other weights
    zeros = {s: np.zeros_like(getattr(fresh, s)) for s in de.STATS}
    de._write_cache(fresh.cache_file, stale, zeros)
    with pytest.warns(UserWarning, match="stale.*weights"):
        rebuilt = de.bank_activations(colour, bank, "mid", progress=False)
    np.testing.assert_array_equal(rebuilt.max, fresh.max)
    de._write_cache(fresh.cache_file, key, {s: getattr(fresh, s)[:3] for s in de.STATS})
    with pytest.warns(UserWarning, match="wrong shape"):
        de.bank_activations(colour, bank, "mid", progress=False)


def test_top_and_bottom_examples_are_ranked_and_cropped_to_the_field(colour, bank):
    acts = de.bank_activations(colour, bank, "mid", progress=False)
    rf = receptive_field(colour, "out")
    top = de.top_examples(colour, bank, "mid", 1, k=6, acts=acts, field="full", display=rf.size)
    assert len(top) == 6 and top.images.shape == (6, 3, rf.size, rf.size)
    assert np.all(np.diff(top.activations) <= 0)
    np.testing.assert_allclose(top.activations, acts.max[top.tiles, 1])
    assert top.activations[-1] >= np.sort(acts.max[:, 1])[-40]  # among the strongest tiles
    assert all(p.startswith("red") for p in top.photos)  # channel 1 is the red detector
    for image, t, box in zip(top.images, top.tiles, top.boxes):
        assert torch.allclose(image, bank.crop(t, box), atol=1e-6)
    bottom = de.bottom_examples(colour, bank, "mid", 1, k=6, acts=acts)
    assert np.all(np.diff(bottom.activations) >= 0)
    assert bottom.activations[0] == acts.min[:, 1].min()
    assert bottom.activations.max() < top.activations.min()


def test_near_duplicates_from_overlapping_tiles_are_skipped(colour, bank):
    ex = de.top_examples(colour, bank, "mid", 0, k=20)
    for a in range(len(ex)):
        for b in range(a):
            if ex.photos[a] == ex.photos[b]:
                assert de._iou(ex.source_boxes[a], ex.source_boxes[b]) <= 0.5
    avoided = de.top_examples(colour, bank, "mid", 0, k=10, avoid=ex)
    for p, box in zip(avoided.photos, avoided.source_boxes):
        assert not any(p == q and de._iou(box, b) > 0 for q, b in zip(ex.photos, ex.source_boxes))


def test_padding_colour_is_what_preprocessing_maps_to_zero(colour, effnet):
    assert de.padding_colour(colour) == pytest.approx((0.0, 0.0, 0.0))
    assert de.padding_colour(effnet) == pytest.approx((0.5, 0.5, 0.5))
    inception_like = wrap_module(ColourNet(), input_size=SIDE, preprocess=lambda x: x * 255 - 117)
    assert de.padding_colour(inception_like) == pytest.approx((117 / 255,) * 3)


def test_a_two_meaning_channel_splits_into_two_clean_groups(colour, bank):
    clusters = de.cluster_examples(colour, bank, "mid", 0, n_clusters=2, k=24)
    groups = [{p[:-1] for p, g in zip(clusters.examples.photos, clusters.labels) if g == i}
              for i in range(2)]
    assert sorted(map(sorted, groups)) == [["green"], ["red"]]
    assert clusters.silhouette > clusters.null_silhouette + 0.2
    assert clusters.between_similarity < 0.5
    assert clusters.group(0).shape[0] + clusters.group(1).shape[0] == len(clusters.examples)


def test_a_one_meaning_channel_shows_no_separate_groups(colour, bank):
    """Channel 1 sees red only: its other channels are alike on every top patch."""
    clusters = de.cluster_examples(colour, bank, "mid", 1, n_clusters=2, k=24)
    assert all(p.startswith("red") for p in clusters.examples.photos)
    assert clusters.silhouette <= clusters.null_silhouette + 0.05
    assert clusters.between_similarity > 0.9


def test_efficientnet_examples_come_from_interior_positions(effnet):
    bank = build_bank(effnet.input_size, photos=["astronaut", "coffee"], zooms=(1,))
    acts = de.bank_activations(effnet, bank, "mid", progress=False)
    ex = de.top_examples(effnet, bank, "mid", 3, k=2, acts=acts)
    rf = receptive_field(effnet, "mid")
    assert ex.images.shape == (2, 3, 96, 96)
    layer = effnet.resolve("mid")
    for t, (i, j), value in zip(ex.tiles, ex.positions, ex.activations):
        assert rf.interior()[i, j]
        with torch.no_grad(), capture(effnet.module, [layer]) as out:
            effnet.module(effnet.preprocess(bank.images([t])))
        assert float(out[layer][0, 3, i, j]) == pytest.approx(float(value), rel=1e-3, abs=1e-3)


def test_examples_can_be_limited_to_some_photos(colour, bank):
    everywhere = de.top_examples(colour, bank, "mid", 1, 6)
    assert any(p.startswith("red") for p in everywhere.photos)  # the red detector's favourites
    greens = [p for p in bank.photos if p.startswith("green")]
    only_green = de.top_examples(colour, bank, "mid", 1, 6, photos=greens)
    assert len(only_green) == 6 and set(only_green.photos) <= set(greens)
    assert only_green.activations.max() < everywhere.activations.min()


def test_bad_input_is_explained(colour, bank):
    with pytest.raises(CourseError, match="whole number from 0 to"):
        de.top_examples(colour, bank, "mid", 7)
    with pytest.raises(CourseError, match="Unknown layer"):
        de.bank_activations(colour, bank, "middle", progress=False)
    empty = ImageBank({"grey": tinted("grey", 0)}, SIDE, zooms=(1,))
    empty.tiles = []
    with pytest.raises(CourseError, match="empty"):
        de.bank_activations(colour, empty, "mid", progress=False)
    with pytest.raises(CourseError, match="ImageBank"):
        de.bank_activations(colour, torch.zeros(4, 3, SIDE, SIDE), "mid")
    wrong_side = ImageBank({"grey": tinted("grey", 0)}, 32, zooms=(1,))
    with pytest.raises(CourseError, match="build_bank\\(16\\)"):
        de.bank_activations(colour, wrong_side, "mid")
    acts = de.bank_activations(colour, bank, "early", progress=False)
    with pytest.raises(CourseError, match="acts were computed"):
        de.top_examples(colour, bank, "mid", 0, acts=acts)
    with pytest.raises(CourseError, match="k must"):
        de.top_examples(colour, bank, "mid", 0, k=0)
    with pytest.raises(CourseError, match="display"):
        de.top_examples(colour, bank, "mid", 0, display=0)
    with pytest.raises(CourseError, match="field"):
        de.top_examples(colour, bank, "mid", 0, field="theoretical")
    with pytest.raises(CourseError, match=r"Each photo must be one of 'green0'.*got 'purple0'"):
        de.top_examples(colour, bank, "mid", 0, photos=["red0", "purple0"])
    with pytest.raises(CourseError, match="photos must be a list"):
        de.top_examples(colour, bank, "mid", 0, photos="red0")
    with pytest.raises(CourseError, match="n_clusters"):
        de.cluster_examples(colour, bank, "mid", 0, n_clusters=1)
    with pytest.raises(CourseError, match="4 groups need at least 8 patches"):
        de.cluster_examples(colour, bank, "mid", 0, n_clusters=4, k=6)
