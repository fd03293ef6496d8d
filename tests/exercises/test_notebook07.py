"""Notebook 07's exercise checker: it accepts the reference and a learner's own right
answer, uses the reference while the exercise is not done, and names each plausible
mistake in a learner's words."""
import pytest
import torch

from checker_cases import checker_tests
from course_utils.exercises import ExerciseMistake, check_tag_concentration
from course_utils.exercises.notebook07 import tag_concentration
from course_utils.studies.shortcut_data import make_scans
from course_utils.studies.shortcut_probes import tag_concentration as library_concentration


def _energy(x):
    return (x - x.mean((-2, -1), keepdim=True)).pow(2).sum(1)  # (N, H, W)


def _area(x, corner):
    return corner * corner / (x.shape[-2] * x.shape[-1])


# --- what learners write -------------------------------------------------------------------

def learner_right(x, corner=16):
    """Another correct way: energy as a batch sum of per-channel squared deviations."""
    deviation = x - x.mean(dim=(2, 3), keepdim=True)
    energy = (deviation ** 2).sum(dim=(0, 1))
    share = energy[:corner, :corner].sum() / energy.sum()
    return share * x.shape[2] * x.shape[3] / corner ** 2  # a 0-d tensor is fine


def learner_no_area(x, corner=16):
    e = _energy(x).sum(0)
    return float(e[:corner, :corner].sum() / e.sum())


def learner_signed(x, corner=16):
    """Signed deviations: they cancel out, the total is close to zero."""
    s = (x - x.mean((-2, -1), keepdim=True)).sum((0, 1))
    return float(s[:corner, :corner].sum() / s.sum()) / _area(x, corner)


def learner_signed_raw(x, corner=16):
    s = x.sum((0, 1))
    return float(s[:corner, :corner].sum() / s.sum()) / _area(x, corner)


def learner_absolute(x, corner=16):
    s = (x - x.mean((-2, -1), keepdim=True)).abs().sum((0, 1))
    return float(s[:corner, :corner].sum() / s.sum()) / _area(x, corner)


def learner_wrong_corner(x, corner=16):
    e = _energy(x).sum(0)
    return float(e[:corner, -corner:].sum() / e.sum()) / _area(x, corner)


def learner_bottom_right(x, corner=16):
    e = _energy(x).sum(0)
    return float(e[-corner:, -corner:].sum() / e.sum()) / _area(x, corner)


def learner_not_centred(x, corner=16):
    e = x.pow(2).sum((0, 1))
    return float(e[:corner, :corner].sum() / e.sum()) / _area(x, corner)


def learner_linear_area(x, corner=16):
    e = _energy(x).sum(0)
    return float(e[:corner, :corner].sum() / e.sum()) / (corner / x.shape[-1])


def learner_mean_of_images(x, corner=16):
    e = _energy(x)
    shares = e[:, :corner, :corner].sum((1, 2)) / e.sum((1, 2))
    return float(shares.mean()) / _area(x, corner)


def learner_per_image(x, corner=16):
    e = _energy(x)
    return e[:, :corner, :corner].sum((1, 2)) / e.sum((1, 2)) / _area(x, corner)


def learner_fixed_corner(x, corner=16):
    """Ignores the `corner` argument: right at 64 px, wrong at other sizes."""
    return tag_concentration(x, 16)


# --- the verdicts ----------------------------------------------------------------------------

CASES = [(check_tag_concentration, tag_concentration, [
    (learner_no_area, "divide it by the corner's share of the area"),
    (learner_signed, "impossible"),
    (learner_signed_raw, "signed values"),
    (learner_absolute, "absolute values"),
    (learner_wrong_corner, "top-right corner"),
    (learner_bottom_right, "bottom-right corner"),
    (learner_not_centred, "subtract each image's own mean colour"),
    (learner_linear_area, "corner² / (H·W), not corner / W"),
    (learner_mean_of_images, "mean of one number per image"),
    (learner_per_image, "one number for the whole batch"),
    (learner_fixed_corner, "expected"),
])]
globals().update(checker_tests(CASES))


def test_a_learners_own_right_answer_passes(capsys):
    assert check_tag_concentration(learner_right) is learner_right
    assert "✓ tag_concentration is correct" in capsys.readouterr().out


def test_bad_input_and_crashes_get_a_clear_answer():
    with pytest.raises(ExerciseMistake, match="pass the function itself"):
        check_tag_concentration("tag_concentration")
    with pytest.raises(ExerciseMistake, match="raised IndexError"):
        check_tag_concentration(lambda x, corner=16: x[99])
    with pytest.raises(ExerciseMistake, match="one number for the whole batch"):
        check_tag_concentration(lambda x, corner=16: "a lot")


# --- the reference itself ----------------------------------------------------------------------

def test_the_reference_by_hand():
    """All the energy in the corner gives the inverse area share; an even pattern gives 1."""
    x = torch.zeros(1, 3, 8, 8)
    x[0, :, 0, 0], x[0, :, 7, 7] = 1.0, -1.0  # mean zero: energy only at the two pixels
    assert tag_concentration(x, 4) == pytest.approx(0.5 / (16 / 64))
    y, z = torch.meshgrid(torch.arange(64), torch.arange(64), indexing="ij")
    board = ((y + z) % 2).float().expand(1, 3, 64, 64)
    assert tag_concentration(board) == pytest.approx(1.0)
    assert tag_concentration(board + 5.0) == pytest.approx(1.0)  # a shift changes nothing


def test_the_reference_agrees_with_the_librarys_pooled_number():
    scans = make_scans(6, seed=0)
    for x in (scans.images, scans.images[:3] - scans.images[3:]):
        assert tag_concentration(x) == pytest.approx(library_concentration(x, pooled=True),
                                                     rel=1e-5)


def test_the_reference_separates_tagged_from_untagged_scans():
    """The tag adds contrast to the corner: tagged scans concentrate more of their energy
    there than the same scans without a tag."""
    tagged, plain = make_scans(20, seed=1), make_scans(20, seed=1, tags="none")
    difference = tagged.images - plain.images  # only the tag
    assert tag_concentration(difference) > 15.0  # nearly all of it in the corner
    assert tag_concentration(tagged.images) > tag_concentration(plain.images)
