"""Intervals and tests the study notebooks share, on SciPy: a rate's interval, an
interval that resamples whole units (channels, photos), a test of a mean against 0 that
flips each unit's sign, and Holm's correction when several comparisons are made.
"""
from typing import Dict, Sequence, Tuple

import numpy as np
from scipy import stats

from .. import contract


def wilson_interval(successes: float, trials: int, confidence: float = 0.95
                    ) -> Tuple[float, float]:
    """Wilson score interval for a proportion (good also near 0 and 1); ``successes`` may
    be fractional (a guess counts 0.5)."""
    trials = contract.whole_number(trials, "trials", 1)
    successes = contract.real_number(successes, "successes", 0, trials,
                                     fix="It counts the right answers (0.5 for a guess).")
    confidence = contract.real_number(confidence, "confidence", above=0, below=1)
    p, z = successes / trials, stats.norm.ppf(0.5 + confidence / 2)
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * np.sqrt(p * (1 - p) / trials + z * z / (4 * trials ** 2)) / (1 + z * z / trials)
    return max(0.0, float(centre - half)), min(1.0, float(centre + half))


def _groups(values, name: str) -> list:
    groups = [np.atleast_1d(np.asarray(g, dtype=float)) for g in
              contract.list_of(values, name, "[[1, 0], [1, 1]] or [0.7, 0.9]")]
    groups = [g for g in groups if g.size]
    contract.at_least(len(groups), 1, name, "units with values")
    return groups


def bootstrap_interval(values_by_unit: Sequence, confidence: float = 0.95,
                       resamples: int = 2000, seed: int = 0) -> Tuple[float, float]:
    """Percentile interval of the pooled mean when whole units are resampled (honest when
    the values of one unit, say the trials of one channel, are not independent).

    values_by_unit: one number per unit, or one list of numbers per unit.
    """
    confidence = contract.real_number(confidence, "confidence", above=0, below=1)
    resamples = contract.whole_number(resamples, "resamples", 1)
    groups = _groups(values_by_unit, "values_by_unit")
    sums, counts = np.array([g.sum() for g in groups]), np.array([g.size for g in groups])
    if len(groups) == 1 or np.all(sums / counts == sums[0] / counts[0]):
        mean = float(sums.sum() / counts.sum())
        return mean, mean  # nothing varies between units
    result = stats.bootstrap((np.arange(len(groups)),),
                             lambda i, axis=-1: sums[i].sum(axis) / counts[i].sum(axis),
                             confidence_level=confidence, n_resamples=resamples,
                             method="percentile", random_state=seed, vectorized=True)
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def sign_flip_p(values_by_unit: Sequence, resamples: int = 9999, seed: int = 0) -> float:
    """Two-sided p-value that the units' mean is 0, each unit's mean flipped in sign at
    random (a paired permutation test; exact when there are few units)."""
    resamples = contract.whole_number(resamples, "resamples", 1)
    means = np.array([g.mean() for g in _groups(values_by_unit, "values_by_unit")])
    if np.all(means == 0):
        return 1.0
    result = stats.permutation_test((means, np.zeros_like(means)),
                                    lambda x, y, axis=-1: np.mean(x - y, axis=axis),
                                    permutation_type="samples", n_resamples=resamples,
                                    alternative="two-sided", random_state=seed,
                                    vectorized=True)
    return float(result.pvalue)


def holm(p_values: Dict[str, float], alpha: float = 0.05) -> Dict[str, bool]:
    """Which of several hypotheses Holm's step-down procedure rejects while keeping the
    chance of any false rejection at ``alpha``."""
    alpha = contract.real_number(alpha, "alpha", above=0, below=1)
    names = sorted(p_values, key=lambda k: contract.real_number(p_values[k], f"p of {k}", 0, 1))
    rejected, going = {}, True
    for i, name in enumerate(names):
        going = going and p_values[name] <= alpha / (len(names) - i)
        rejected[name] = going
    return rejected
