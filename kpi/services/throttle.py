"""Failure counters with growing delays, kept in the warehouse: the login throttle (no lock a stranger can set).

The counters live in the warehouse (`warehouse/throttle.py`, table `login_throttle`), so every app process and
every machine serving one warehouse counts the same failures: a guesser whose requests are spread over N
processes gets the free tries once, not N times. Times are the callers' wall clock (seconds since the epoch), the
one clock the processes share.
"""
from __future__ import annotations

from warehouse import throttle as store


class Throttle:
    """Per key: the first `free` failures cost nothing, then each one doubles the wait before the next attempt
    (base_s, 2·base_s, … up to cap_s). A key is forgotten after forget_s without failures, when its account's
    version changes, after a success, or when it is the least recently failed of more than `size` keys.

    `name` is the counter's name in the warehouse; every method takes an open warehouse connection."""

    def __init__(self, name: str, *, free: int, base_s: float, cap_s: float, forget_s: float, size: int):
        self.name = name
        self.free, self.base_s, self.cap_s, self.forget_s, self.size = free, base_s, cap_s, forget_s, size

    def delay_after(self, failures: int) -> float:
        """Seconds to wait after this many failures in a row."""
        if failures <= self.free:
            return 0.0
        return min(self.cap_s, self.base_s * 2 ** (failures - self.free - 1))

    def _wait(self, found: tuple[int, float, int | None] | None, now: float, version: int | None) -> float:
        if found is None:
            return 0.0
        failures, last, counted_version = found
        if now - last > self.forget_s or counted_version != version:
            return 0.0
        return max(0.0, last + self.delay_after(failures) - now)

    def wait_s(self, con, key: str, now: float, version: int | None = None) -> float:
        """Seconds before the key may try again (0: now)."""
        return self._wait(store.entry(con, self.name, key), now, version)

    def longest_wait_s(self, con, suffix: str, now: float, version: int | None = None) -> float:
        """The longest wait among keys ending with suffix (a login slowed from any one source)."""
        return max((self._wait(found, now, version) for found in store.entries_ending(con, self.name, suffix)),
                   default=0.0)

    def fail(self, con, key: str, now: float, version: int | None = None) -> None:
        """Count a failure of the key (forgetting quiet keys, and the least recently failed beyond the size)."""
        store.count_failure(con, self.name, key, now, version, self.forget_s)
        store.keep_newest(con, self.name, self.size, now - self.forget_s)

    def clear(self, con, key: str) -> None:
        """Forget the key (a success)."""
        store.forget(con, self.name, key)

    def count(self, con) -> int:
        """How many keys are counted now."""
        return store.count(con, self.name)
