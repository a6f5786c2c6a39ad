"""Reading the files of one index generation (kg.search.snapshot)."""

import os

import pytest

from kg.search.snapshot import IndexMoved, Snapshot, write_replacing


def test_a_file_is_read_only_while_it_is_the_version_the_table_names(tmp_path):
    path = tmp_path / "part.bin"
    write_replacing(path, lambda tmp: tmp.write_bytes(b"one"))
    snap = Snapshot.record(tmp_path, [path])
    assert snap.read(path, lambda p: p.read_bytes()) == b"one"

    def replaced_while_read(p):  # another process renames a new version over it mid-read
        data = p.read_bytes()
        write_replacing(p, lambda tmp: tmp.write_bytes(b"two, longer"))
        return data

    with pytest.raises(IndexMoved, match="while it was read"):
        snap.read(path, replaced_while_read)
    with pytest.raises(IndexMoved, match="since the index table was read"):
        snap.read(path, lambda p: p.read_bytes())
    os.unlink(path)
    with pytest.raises(IndexMoved, match="removed"):
        snap.read(path, lambda p: p.read_bytes())
    assert not list(tmp_path.glob("*.tmp"))


def test_files_a_table_does_not_list_are_read_as_they_are(tmp_path):
    path = tmp_path / "old.bin"
    path.write_bytes(b"x")
    assert Snapshot(tmp_path).read(path, lambda p: p.read_bytes()) == b"x"
