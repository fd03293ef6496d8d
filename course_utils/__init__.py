"""Companion package for the activation maximization course.

Modules: ``models`` (load and describe networks), ``hooks`` (capture activations),
``images`` (sample photos), ``optim`` (the optimizer), ``plotting`` (figures),
``config`` (fast mode). Run ``python -m course_utils --help`` for the CLI.
"""
__version__ = "0.1.0"

from .config import fast_mode
from .errors import CourseError
from .models import CourseModel, load_model

__all__ = ["__version__", "fast_mode", "CourseError", "CourseModel", "load_model"]
