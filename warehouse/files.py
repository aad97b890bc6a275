"""Private files: the warehouse, its WAL and lock, backups and the data folder are the owner's alone.

The data holds argon2 hashes and draft figures, so every file the program creates is 0600 in a 0700 folder,
whatever umask the process was started with (the scripts set `umask 077` too).
"""
from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_umask() -> None:
    """Make every file this process creates from now on owner-only (umask gains 077; never loosened)."""
    old = os.umask(0o077)  # never a looser moment: 077 first, then the old bits added back
    if old & 0o077 != 0o077:
        os.umask(old | 0o077)


_made: set[str] = set()  # folders private_dir made or found in this process (every unit of work asks again)


def private_dir(path: Path | str) -> Path:
    """Create the folder (and missing parents) 0700; an existing folder is left as it is (it may be /tmp).

    warehouse.connect calls this for every unit of work: a folder made or found once in this process is only
    checked to still be there (one stat instead of mkdir, its refusal and a stat); the umask is set every time (a
    test or a library may have loosened it)."""
    path = Path(path)
    private_umask()
    key = str(path)
    if key not in _made or not os.path.isdir(key):
        path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        _made.add(key)
    return path


def tighten(path: Path | str, mode: int = FILE_MODE) -> None:
    """Narrow an existing file or folder of this user to `mode` (others' files and missing ones are left)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    if st.st_uid == os.geteuid() and (st.st_mode & 0o777) & ~mode:
        os.chmod(path, mode)


def tighten_warehouse(db: Path) -> None:
    """The warehouse file, its WAL and its lock file: 0600 (files made before files were private too)."""
    for p in (db, db.with_name(db.name + ".wal"), Path(str(db.resolve()) + ".lock")):
        tighten(p)
