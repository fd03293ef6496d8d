"""Course-wide settings: fast mode for CI and the default device."""
import os

import torch

FAST_ENV = "COURSE_FAST"
MODEL_ENV = "COURSE_MODEL"


def fast_mode() -> bool:
    """True when ``COURSE_FAST`` is set to a true value (CI and quick previews)."""
    return os.environ.get(FAST_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def full_or_fast(full, fast):
    """``full`` normally, ``fast`` in fast mode: ``STEPS = full_or_fast(256, 32)``."""
    return fast if fast_mode() else full


def default_device() -> torch.device:
    """The GPU when there is one, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
