"""Companion package for the activation maximization course.

Modules: ``models`` (load and describe networks), ``hooks`` (capture activations),
``images`` (sample photos), ``optim`` (the optimizer), ``plotting`` (figures),
``config`` (fast mode). Run ``python -m course_utils --help`` for the CLI.
"""
__version__ = "0.1.0"

from .config import fast_mode
from .errors import CourseError
from .models import CourseModel, load_model
from .quiet import quiet_known_imports

quiet_known_imports()



def require(minimum: str) -> None:
    """Fail early, with the fix, when the installed package is older than ``minimum``."""
    have = tuple(int(p) for p in __version__.split(".")[:3])
    need = tuple(int(p) for p in minimum.split(".")[:3])
    if have[:len(need)] < need:
        raise ImportError(f"This notebook needs course_utils >= {minimum}, but {__version__} "
                          "is installed. Update it: pip install -U -e . (from the repository) "
                          "or restart the Colab runtime and run the setup cell again.")


__all__ = ["require", "__version__", "fast_mode", "CourseError", "CourseModel", "load_model"]
