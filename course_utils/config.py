"""Course-wide settings: fast mode for CI and the default device."""
import os

import torch

FAST_ENV = "COURSE_FAST"
MODEL_ENV = "COURSE_MODEL"


def fast_mode() -> bool:
    """True when ``COURSE_FAST`` is set to a true value (CI and quick previews)."""
    return os.environ.get(FAST_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def steps(full: int, fast: int = None) -> int:
    """Number of optimisation steps: ``full`` normally, far fewer in fast mode."""
    if not fast_mode():
        return full
    return fast if fast is not None else max(8, full // 8)


def size(full: int, fast: int = None) -> int:
    """Image side length: ``full`` normally, smaller in fast mode."""
    if not fast_mode():
        return full
    return fast if fast is not None else max(64, full // 2)


def default_device() -> torch.device:
    """The GPU when there is one, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
