"""Progress of a flow run started in this process, reported back to whoever started it.

A flow's parameters travel through the Prefect API, so a callback cannot be one: the runner registers the
callback here under a token, passes the token to the flow, and the flow's task reports through it. A leaf
module: flows and the runner both import it, neither imports the other through it.
"""
from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

_listeners: dict[str, Callable[[float, str], None]] = {}
_lock = threading.Lock()


def listen(callback: Callable[[float, str], None]) -> str:
    """Register a progress callback; the token to pass to the flow."""
    token = uuid.uuid4().hex
    with _lock:
        _listeners[token] = callback
    return token


def report(token: str | None, fraction: float, text: str) -> None:
    """Tell the starter of a flow run how far it is (nothing when no one listens)."""
    callback = _listeners.get(token) if token else None
    if callback is not None:
        callback(fraction, text)


def forget(token: str | None) -> None:
    """Stop listening (the run has ended)."""
    if token:
        with _lock:
            _listeners.pop(token, None)


def listening() -> int:
    """How many flow runs someone is listening to (each is forgotten when its run ends)."""
    return len(_listeners)
