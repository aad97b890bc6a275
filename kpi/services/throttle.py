"""Failure counters with growing delays, bounded in memory: the login throttle (no lock a stranger can set)."""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass


@dataclass
class _Entry:
    failures: int
    last: float  # monotonic time of the last failure
    version: int | None  # the account's version when counted: a reset password (a new version) starts afresh


class Throttle:
    """Per key: the first `free` failures cost nothing, then each one doubles the wait before the next attempt
    (base_s, 2·base_s, … up to cap_s). A key is forgotten after forget_s without failures, when its account's
    version changes, after a success, or when it is the least recently used of more than `size` keys."""

    def __init__(self, *, free: int, base_s: float, cap_s: float, forget_s: float, size: int):
        self.free, self.base_s, self.cap_s, self.forget_s, self.size = free, base_s, cap_s, forget_s, size
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._guard = threading.Lock()

    def _current(self, key: str, now: float, version: int | None) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is not None and (now - entry.last > self.forget_s or entry.version != version):
            del self._entries[key]
            return None
        return entry

    def delay_after(self, failures: int) -> float:
        """Seconds to wait after this many failures in a row."""
        if failures <= self.free:
            return 0.0
        return min(self.cap_s, self.base_s * 2 ** (failures - self.free - 1))

    def wait_s(self, key: str, now: float, version: int | None = None) -> float:
        """Seconds before the key may try again (0: now)."""
        with self._guard:
            entry = self._current(key, now, version)
            if entry is None:
                return 0.0
            return max(0.0, entry.last + self.delay_after(entry.failures) - now)

    def longest_wait_s(self, suffix: str, now: float, version: int | None = None) -> float:
        """The longest wait among keys ending with suffix (a login slowed from any one source)."""
        with self._guard:
            keys = [k for k in self._entries if k.endswith(suffix)]
        return max((self.wait_s(k, now, version) for k in keys), default=0.0)

    def fail(self, key: str, now: float, version: int | None = None) -> None:
        """Count a failure of the key (evicting the least recently failed key beyond the size)."""
        with self._guard:
            entry = self._current(key, now, version)
            if entry is None:
                entry = self._entries[key] = _Entry(0, now, version)
            entry.failures += 1
            entry.last = now
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self, key: str) -> None:
        """Forget the key (a success)."""
        with self._guard:
            self._entries.pop(key, None)

    def clear_all(self) -> None:
        """Forget every key."""
        with self._guard:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
