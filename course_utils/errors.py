"""Error messages that tell a learner what to do next."""
import difflib
from typing import Sequence


class CourseError(ValueError):
    """A mistake in how a course function was called, with a hint to fix it."""


def closest(name: str, valid: Sequence[str], n: int = 5) -> list:
    """The ``n`` valid names that look most like ``name``."""
    matches = difflib.get_close_matches(name, list(valid), n=n, cutoff=0.5)
    if not matches:  # fall back to names that share a prefix
        matches = [v for v in valid if v.startswith(name[:3])][:n]
    return matches


def unknown_layer_error(name: str, valid: Sequence[str]) -> CourseError:
    """``CourseError`` for a layer name that is not in the model."""
    hint = closest(name, valid)
    msg = f"Unknown layer {name!r}."
    if hint:
        msg += f" Did you mean: {', '.join(repr(h) for h in hint)}?"
    msg += " List every hookable layer with `model.layers` (name -> channels)."
    return CourseError(msg)
