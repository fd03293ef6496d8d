"""Intervals and tests of studies.statistics, against their definitions."""
import numpy as np
import pytest

from course_utils.errors import CourseError
from course_utils.studies import statistics as st

Z95 = 1.959963984540054


@pytest.mark.parametrize("k,n", [(92, 100), (0, 20), (20, 20), (41, 120)])
def test_wilson_endpoints_solve_the_score_equation(k, n):
    lo, hi = st.wilson_interval(k, n)
    p = k / n
    assert lo <= p <= hi
    for bound in (lo, hi):  # (p - bound)^2 = z^2 bound (1 - bound) / n, unless clipped
        if 0 < bound < 1:
            assert (p - bound) ** 2 == pytest.approx(Z95 ** 2 * bound * (1 - bound) / n, rel=1e-6)
    assert st.wilson_interval(k * 4, n * 4)[1] - st.wilson_interval(k * 4, n * 4)[0] < hi - lo \
        or k in (0, n)


def test_wilson_is_symmetric_about_one_half_and_refuses_impossible_counts():
    assert sum(st.wilson_interval(50, 100)) == pytest.approx(1.0)
    with pytest.raises(CourseError, match="trials"):
        st.wilson_interval(1, 0)
    with pytest.raises(CourseError, match="successes"):
        st.wilson_interval(5, 4)
    with pytest.raises(CourseError, match="confidence"):
        st.wilson_interval(5, 10, confidence=1.0)


def test_channel_bootstrap_is_wider_when_channels_disagree():
    agree = [[True, False] * 5 for _ in range(10)]        # every channel at 50 %
    disagree = [[True] * 10] * 5 + [[False] * 10] * 5      # half 100 %, half 0 %
    narrow, wide = st.bootstrap_interval(agree), st.bootstrap_interval(disagree)
    assert narrow == pytest.approx((0.5, 0.5))
    assert wide[0] < 0.35 and wide[1] > 0.65
    assert st.bootstrap_interval([[True] * 8] * 4) == (1.0, 1.0)


def test_bootstrap_of_one_number_per_unit_covers_the_mean_and_shrinks_with_more_units():
    rng = np.random.default_rng(0)
    few, many = rng.normal(0.3, 1.0, 10), rng.normal(0.3, 1.0, 400)
    lo_few, hi_few = st.bootstrap_interval(few)
    lo_many, hi_many = st.bootstrap_interval(many)
    assert lo_few <= few.mean() <= hi_few and lo_many <= many.mean() <= hi_many
    assert hi_many - lo_many < (hi_few - lo_few) / 3
    assert st.bootstrap_interval(few, seed=1) != (lo_few, hi_few)  # the seed is used
    with pytest.raises(CourseError, match="values_by_unit"):
        st.bootstrap_interval([])


def test_sign_flip_finds_a_shift_and_not_noise():
    rng = np.random.default_rng(1)
    assert st.sign_flip_p(rng.normal(1.0, 1.0, 20)) < 0.01
    assert st.sign_flip_p(rng.normal(0.0, 1.0, 20)) > 0.05
    assert st.sign_flip_p([0.0, 0.0, 0.0]) == 1.0
    # five units, all positive: the exact two-sided p is 2 / 2**5
    assert st.sign_flip_p([0.1, 0.2, 0.3, 0.4, 0.5]) == pytest.approx(2 / 32)


def test_holm_steps_down_and_stops_at_the_first_failure():
    p = {"a": 0.001, "b": 0.02, "c": 0.03, "d": 0.2}
    # thresholds 0.05/4, 0.05/3, 0.05/2, 0.05: a passes, b (0.02 > 0.0167) stops it
    assert st.holm(p) == {"a": True, "b": False, "c": False, "d": False}
    assert st.holm({"a": 0.01, "b": 0.02}) == {"a": True, "b": True}
    with pytest.raises(CourseError, match="p of a"):
        st.holm({"a": 1.5})
