"""Reading one consistent generation of the search index while another process writes it.

The writer replaces every index file whole (written beside it, then renamed over it), writes
its table last, and the table records the identity (size, modification time) of each
file it goes with. A reader that loaded a table reads a file only if it is still that one:
checked before the file is opened and again after it is read, so a file renamed over it in
between is noticed too. Otherwise ``IndexMoved`` is raised, and the reader loads the newer
table and tries again (``SearchIndex.search`` does). A reader therefore never mixes files of
two generations, and never reads a half-written file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")


class IndexMoved(RuntimeError):
    """A file of the index is no longer the one the loaded table names: another process rewrote
    or removed it. Load the table again and retry."""


def identity(path: Path) -> list[int]:
    """What tells one version of a file from another: size and modification time (ns). Not the
    inode, so that a knowledge base copied with its files' times (``cp -a``, rsync) still reads."""
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns]


def write_replacing(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(temporary)`` for a file beside ``path``, then rename it over ``path``: a reader
    sees the old file or the new one, never part of one."""
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


class Snapshot:
    """The files of one saved generation under ``folder``: relative name -> identity."""

    def __init__(self, folder: Path, files: dict[str, list[int]] | None = None):
        self.folder = Path(folder)
        self.files = dict(files or {})

    @classmethod
    def record(cls, folder: Path, paths) -> "Snapshot":
        """The identities of ``paths`` (files under ``folder``) as they are now."""
        folder = Path(folder)
        return cls(folder, {Path(p).relative_to(folder).as_posix(): identity(Path(p)) for p in paths})

    def read(self, path: Path, load: Callable[[Path], T]) -> T:
        """``load(path)``, if ``path`` is the file of this generation; else ``IndexMoved``. A file
        this snapshot does not list is read as it is (a table written before identities were)."""
        name = Path(path).relative_to(self.folder).as_posix()
        expected = self.files.get(name)
        if expected is None:
            return load(path)
        try:
            if identity(path) != expected:
                raise IndexMoved(f"{path} was rewritten since the index table was read")
            value = load(path)
            if identity(path) != expected:
                raise IndexMoved(f"{path} was rewritten while it was read")
        except FileNotFoundError as exc:
            raise IndexMoved(f"{path} was removed since the index table was read") from exc
        return value
