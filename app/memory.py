"""Giving memory back to the system around the app's big reads (a cycle's evaluated frame, the trends document).

With N app processes on a machine each process's peak counts N times (docs/scale-out.md, "Memory per app process").
Two things keep memory that nothing uses any more:

- objects of earlier script runs that only the cyclic collector frees (a page's functions refer back to the
  namespace they run in), which few-but-large Polars frames rarely trigger: without a collection each rebuild of
  the national frame added about its size to the process;
- glibc's malloc, which keeps what a thread freed in that thread's arena (every Streamlit session runs its script on
  a thread of its own; DuckDB's vectors and Python's objects are malloc'ed): after the dashboard's tabs had been read
  one after another, `malloc_trim(0)` gave back 70–100 MB of the national benchmark's process at once.

`release()` does both; it is called on a cache miss only (when a big read is about to be built, and after it), and
takes milliseconds besides the collection. On a C library without malloc_trim (not glibc) only the collection runs.
"""
from __future__ import annotations

import ctypes
import gc
import sys


def _malloc_trim():
    """glibc's malloc_trim, or None where the C library has none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_TRIM = _malloc_trim()


def trim() -> bool:
    """Return the free pages of every malloc arena to the system; False where that is not possible."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True


def release() -> None:
    """Collect unreachable objects (reference cycles included), then give the freed pages back (trim)."""
    gc.collect()
    trim()
