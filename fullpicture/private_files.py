"""The embedded store's files are readable by their owner only.

The SQLite database holds every child's chronology (and, without a cipher key, every event in
plain text), so the state directory is made 0700 and the database 0600 before SQLite first opens
it; SQLite creates its `-wal` and `-shm` files with the database's own mode.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE_DIRECTORY = 0o700
PRIVATE_FILE = 0o600
SQLITE_COMPANIONS = ("", "-wal", "-shm", ".lock")


def prepare_private_database(database: Path, state_dir: Path) -> None:
    """Create the database's directory and file owner-only, and tighten ones made before."""
    directory = database.parent
    directory.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIRECTORY)
    if directory.resolve() == state_dir.resolve():
        _tighten(directory, PRIVATE_DIRECTORY)  # not a folder someone chose for other things
    _create_owner_only(database)
    for suffix in SQLITE_COMPANIONS:
        companion = database.with_name(database.name + suffix)
        if companion.exists():
            _tighten(companion, PRIVATE_FILE)


def _create_owner_only(database: Path) -> None:
    """Create the database file 0600 if it is not there yet; never open one that exists.

    SQLite's locks are POSIX record locks, which a process loses on a file when it closes ANY
    descriptor of that file: opening and closing an existing database here, while this process
    already has SQLite connections to it, would silently drop their locks and let another
    process write at the same time (a corrupt database)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(database, os.O_RDWR | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))


def _tighten(path: Path, mode: int) -> None:
    """Set `mode` on what this process owns (a mounted volume may belong to someone else)."""
    if path.stat().st_uid == os.getuid():
        path.chmod(mode)
