"""Companion package for the activation maximization course.

``optim`` is the method (param, objectives, transforms, render), ``engine`` its speed,
``models`` loads networks, ``hooks`` reads them, ``images`` / ``metrics`` / ``plotting``
show and measure. docs/architecture.md has the map; ``python -m course_utils --help``
the CLI.
"""
__version__ = "0.1.0"

from .config import fast_mode
from .errors import CourseError
from .models import CourseModel, load_model


def require(minimum: str) -> None:
    """Fail early, with the fix, when the installed package is older than ``minimum``."""
    have = tuple(int(p) for p in __version__.split(".")[:3])
    need = tuple(int(p) for p in minimum.split(".")[:3])
    if have[:len(need)] < need:
        raise ImportError(f"This notebook needs course_utils >= {minimum}, but {__version__} "
                          "is installed. Update it: pip install -U -e . (from the repository) "
                          "or restart the Colab runtime and run the setup cell again.")


__all__ = ["require", "__version__", "fast_mode", "CourseError", "CourseModel", "load_model"]
