"""The navigation's st.Page objects, built once per process and copied for every script run.

Building an st.Page resolves its file, checks that it exists and validates its icon (about 0.3–0.6 ms each; the
entrypoint builds up to 14 on every click). The pages are the same for every run of the process, so each is built
once (on the first run that asks for it: st.Page needs a running script) and every run gets a shallow copy:
st.navigation marks the page it returns as runnable and Page.run() clears the mark, so sessions running at the same
time (one thread each) must not share one object."""
from __future__ import annotations

import copy
import threading
from pathlib import Path

import streamlit as st

_built: dict[tuple, st.Page] = {}
_guard = threading.Lock()


def page(path: Path, *, title: str, icon: str | None = None, url_path: str | None = None, default: bool = False,
         visibility: str = "visible") -> st.Page:
    """This run's st.Page for a page file (st.Page's arguments), a copy of the one built earlier in the process."""
    key = (str(path), title, icon, url_path, default, visibility)
    with _guard:
        built = _built.get(key)
    if built is None:
        built = st.Page(path, title=title, icon=icon, url_path=url_path, default=default, visibility=visibility)
        with _guard:
            built = _built.setdefault(key, built)
    return copy.copy(built)
