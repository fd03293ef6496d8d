"""The ImageNet-W watermark (Li et al. 2023) and its effect on the "carton" class."""
import sys

import pytest
import torch

from course_utils.studies import watermark
from course_utils.errors import CourseError
from course_utils.images import photo
from course_utils.studies.watermark import add_watermark, to_8bit, watermark_effect


@pytest.fixture(scope="module")
def photos():
    return torch.stack([photo("coffee"), photo("astronaut")])


def test_watermark_keeps_shape_range_and_adds_light_text_in_a_band(photos):
    marked = add_watermark(photos)
    assert marked.shape == photos.shape and marked.dtype == photos.dtype
    assert 0 <= float(marked.min()) and float(marked.max()) <= 1
    changed = (marked - to_8bit(photos)).abs().amax(1) > 0  # (N, H, W)
    rows = changed.any(-1).any(0).nonzero().flatten()
    # white text at 40 % of the height, 36 px high on a 224 px image
    assert 0.4 * 224 - 2 <= int(rows.min()) and int(rows.max()) <= 0.4 * 224 + 60
    assert 0.01 < float(changed.float().mean()) < 0.2
    assert float((marked - to_8bit(photos))[changed.unsqueeze(1).expand_as(marked)].mean()) > 0


def test_watermark_is_deterministic_and_sized_to_the_image():
    small = photo("coffee", 224)[None]
    large = photo("coffee", 448)[None]
    assert torch.equal(add_watermark(small), add_watermark(small))

    def band_height(x):
        rows = ((add_watermark(x) - to_8bit(x)).abs().amax(1) > 0).any(-1)[0].nonzero()
        return int(rows.max() - rows.min())

    assert band_height(large) == pytest.approx(2 * band_height(small), rel=0.15)


def test_other_text_is_drawn_instead_when_asked(photos):
    paper, latin = add_watermark(photos), add_watermark(photos, text="shortcut")
    assert not torch.equal(paper, latin)
    assert not torch.equal(latin, to_8bit(photos))


@pytest.mark.parametrize("bad", [torch.rand(3, 224, 224), torch.rand(1, 1, 224, 224),
                                 torch.rand(1, 3, 224, 224) * 2, torch.rand(1, 3, 16, 16),
                                 "photo"])
def test_watermark_rejects_bad_images(bad):
    with pytest.raises(CourseError):
        add_watermark(bad)


def test_watermark_rejects_empty_text(photos):
    with pytest.raises(CourseError, match="text"):
        add_watermark(photos, text="  ")


def test_missing_package_says_how_to_install_it(monkeypatch, photos):
    monkeypatch.setitem(sys.modules, "imagenet_w", None)  # makes the import fail
    monkeypatch.setattr(watermark, "_MARKERS", {})
    with pytest.raises(CourseError, match="pip install imagenet-w"):
        add_watermark(photos)


def test_watermark_makes_carton_far_more_likely_than_other_text_does(effnet, photos):
    real = watermark_effect(effnet, photos)
    control = watermark_effect(effnet, photos, text="shortcut")
    for row, ctrl in zip(real, control):
        assert row.clean_prob == pytest.approx(ctrl.clean_prob)  # same clean photo
        assert row.prob_ratio > 5
        assert row.marked_rank < row.clean_rank
        assert row.prob_ratio > 5 * ctrl.prob_ratio
        assert 1 <= row.marked_rank <= len(effnet.labels)
    assert real[0].clean_top1 == "espresso"  # the effect is measured on a recognised photo


def test_effect_resizes_photos_to_the_models_input_size(effnet):
    small = photo("coffee", 160)[None]
    native = photo("coffee", effnet.input_size)[None]
    a, b = watermark_effect(effnet, small)[0], watermark_effect(effnet, native)[0]
    assert a.marked_rank < a.clean_rank and b.marked_rank < b.clean_rank
