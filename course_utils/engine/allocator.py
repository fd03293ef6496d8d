"""Keep freed memory in the process, so each optimization step reuses it.

Every step allocates and frees the same few-megabyte activations. By default glibc's
``malloc`` hands large freed blocks back to the operating system and maps fresh pages
for the next step; touching fresh pages costs a page fault each (hundreds per step
measured here, a few milliseconds on a virtual machine). Raising two ``mallopt``
thresholds keeps those blocks for reuse. This changes only where freed memory goes, never
a result; the process keeps its peak memory instead of shrinking after a render.
Set ``COURSE_MALLOC_TUNING=0`` to leave the allocator alone.
"""
import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameter numbers
_LARGE = 1 << 30
_GLIBC_MMAP_MAX = 32 << 20  # older glibc refuses a larger mmap threshold

_applied = None


def keep_freed_memory() -> bool:
    """Tell glibc to keep freed blocks for reuse (once per process). Returns whether the
    setting is in effect: False on other platforms, other C libraries, or when disabled."""
    global _applied
    if _applied is not None:
        return _applied
    _applied = False
    if os.environ.get("COURSE_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (e.g. musl has no mallopt)
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    mapped = mallopt(M_MMAP_THRESHOLD, _LARGE) or mallopt(M_MMAP_THRESHOLD, _GLIBC_MMAP_MAX)
    _applied = bool(mapped and mallopt(M_TRIM_THRESHOLD, _LARGE))
    return _applied
