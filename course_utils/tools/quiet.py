"""Keep known, harmless library warnings out of the learner's notebooks.

Only warnings listed here are silenced, and only while the library that causes them is
imported: everything else (including the learner's own warnings) still shows.
"""
import importlib
import warnings

# kornia (imported by Lucent) compiles a few functions with ``torch.jit.script`` at
# import time; recent PyTorch warns that ``torch.jit.script`` is deprecated.
KNOWN_IMPORT_WARNINGS = {
    "kornia": [(FutureWarning, r"`torch\.jit\.script` is deprecated")],
}


def import_quietly(module: str):
    """Import ``module`` with its known import-time warnings silenced; None if it is
    not installed."""
    with warnings.catch_warnings():
        for category, message in KNOWN_IMPORT_WARNINGS.get(module, []):
            warnings.filterwarnings("ignore", message=message, category=category)
        try:
            return importlib.import_module(module)
        except ImportError:
            return None


def quiet_known_imports() -> None:
    """Import every library of ``KNOWN_IMPORT_WARNINGS`` now, quietly, so that later
    imports (``from lucent.optvis import render``) find it loaded and warn nothing."""
    for module in KNOWN_IMPORT_WARNINGS:
        import_quietly(module)
