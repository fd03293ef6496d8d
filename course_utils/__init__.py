"""Companion package for the activation maximization course.

Foundations at the top describe a network (``models``, ``hooks``, ``contract``, ...);
``optim`` makes the pictures and ``engine`` makes that fast; ``studies`` measures what
pictures and networks tell us; ``tools`` shows results and runs the course;
``exercises`` check a learner's code, one module per notebook. docs/architecture.md has
the map; ``python -m course_utils --help`` the CLI.
"""
import time

import torch

from . import old_names

old_names.install()  # before the imports below: some of them carry old names too

__version__ = "0.2.0"

from .config import fast_mode  # noqa: E402
from .errors import CourseError  # noqa: E402
from .models import CourseModel, load_model  # noqa: E402
from .tools.quiet import quiet_known_imports  # noqa: E402

quiet_known_imports()
_started = None  # when the notebook's setup cell last ran


def require(minimum: str) -> None:
    """Fail early, with the fix, when the installed package is older than ``minimum``;
    also starts the clock that ``report_time`` reads at the end of a notebook."""
    global _started
    _started = time.perf_counter()
    have = tuple(int(p) for p in __version__.split(".")[:3])
    need = tuple(int(p) for p in minimum.split(".")[:3])
    if have[:len(need)] < need:
        raise ImportError(f"This notebook needs course_utils >= {minimum}, but {__version__} "
                          "is installed. Update it: pip install -U -e . (from the repository) "
                          "or restart the Colab runtime and run the setup cell again.")


def report_time() -> float:
    """Print (and return) how long the notebook took since its setup cell, on this machine."""
    seconds = time.perf_counter() - (_started or time.perf_counter())
    where = f"a GPU ({torch.cuda.get_device_name()})" if torch.cuda.is_available() else \
        f"a CPU with {torch.get_num_threads()} thread{'s' if torch.get_num_threads() > 1 else ''}"
    mode = "fast mode" if fast_mode() else "full mode"
    print(f"This notebook took {seconds / 60:.1f} min ({seconds:.0f} s) from its setup cell "
          f"to here, on {where}, {mode}.")
    return seconds


__all__ = ["require", "report_time", "__version__", "fast_mode", "CourseError", "CourseModel",
           "load_model"]
