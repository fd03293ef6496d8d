"""Argument checks for the public entry points, in a learner's words.

Each check returns the value in its clean form (an ``int``, a ``float``, a list) or
raises a ``CourseError`` that names the argument, the value given, what is valid and,
where there is one, the fix. Entry points call them before any work or allocation.
"""
import math
import numbers
from typing import Iterable, List, Optional

import torch

from .errors import CourseError


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def whole_number(value, name: str, minimum: Optional[int] = None,
                 maximum: Optional[int] = None, fix: str = "") -> int:
    """``value`` as an int within [minimum, maximum] (numpy and 0-d tensor ints are fine)."""
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_floating_point():
        value = value.item()
    valid = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if valid:
        value = int(value)
        valid = (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
    if not valid:
        if minimum is not None and maximum is not None:
            span = f"from {minimum} to {maximum}"
        elif minimum is not None:
            span = f"of at least {minimum}"
        else:
            span = f"of at most {maximum}" if maximum is not None else ""
        raise CourseError(f"{name} must be a whole number {span}, got {_shown(value)}."
                          + (f" {fix}" if fix else ""))
    return value


def real_number(value, name: str, minimum: Optional[float] = None,
                maximum: Optional[float] = None, above: Optional[float] = None,
                fix: str = "") -> float:
    """``value`` as a finite float, ``>= minimum``, ``<= maximum`` and ``> above``."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    valid = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if valid:
        value = float(value)
        valid = (math.isfinite(value) and (minimum is None or value >= minimum)
                 and (maximum is None or value <= maximum) and (above is None or value > above))
    if not valid:
        limits = [f"at least {minimum}" if minimum is not None else "",
                  f"at most {maximum}" if maximum is not None else "",
                  f"greater than {above}" if above is not None else ""]
        span = " and ".join(part for part in limits if part)
        raise CourseError(f"{name} must be a finite number{' ' + span if span else ''}, "
                          f"got {_shown(value)}." + (f" {fix}" if fix else ""))
    return value


def boolean(value, name: str) -> bool:
    """``value`` as a bool (True / False only)."""
    if not isinstance(value, bool):
        raise CourseError(f"{name} must be True or False, got {_shown(value)}.")
    return value


def optional_seed(seed, name: str = "seed") -> Optional[int]:
    """None (a fresh random result) or a whole number from 0 to 2**63 - 1."""
    if seed is None:
        return None
    return whole_number(seed, name, 0, 2 ** 63 - 1,
                        fix="Use a whole number such as 0, or None for a fresh result.")


def steps_within(snapshots: Iterable, steps: int, name: str = "snapshots") -> List[int]:
    """Snapshot steps, each one a step that will happen (0 to steps - 1)."""
    if isinstance(snapshots, (str, bytes)) or not isinstance(snapshots, Iterable):
        raise CourseError(f"{name} must be a list of step numbers such as (0, {steps - 1}), "
                          f"got {_shown(snapshots)}.")
    return sorted({whole_number(s, f"each of {name}", 0, steps - 1,
                                fix=f"Steps are counted from 0, so with steps={steps} the "
                                    f"last one is {steps - 1}.") for s in snapshots})


def non_empty_list(values, name: str, example: str) -> list:
    """``values`` as a non-empty list (strings and single numbers are refused)."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise CourseError(f"{name} must be a list such as {example}, got {_shown(values)}.")
    values = list(values)
    if not values:
        raise CourseError(f"{name} is empty: give at least one, e.g. {example}.")
    return values
