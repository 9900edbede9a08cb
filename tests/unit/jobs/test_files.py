from __future__ import annotations

import os

import pytest

from restworkx.jobs import files


@pytest.fixture
def store(tmp_path):
    return files.FileStore("ecf", {"restworkx.data_root": str(tmp_path)})


def test_a_file_is_named_by_its_directory_and_its_path_inside(store, tmp_path):
    upload, download = store.roots["upload"], store.roots["download"]
    assert store.key(os.path.join(upload, "sp:acme", "a.csv")) == ("upload", "sp:acme/a.csv")
    assert store.key(os.path.join(upload, "x", "..", "top.csv")) == ("upload", "top.csv")
    assert store.key(os.path.join(download, "out.csv")) == ("download", "out.csv")
    for outside in (upload, str(tmp_path / "elsewhere.csv"), os.path.join(upload, "..", "x")):
        with pytest.raises(ValueError):
            store.key(outside)


def test_a_local_copy_matches_by_size_and_sha256(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"abc")
    sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert files.local_matches(str(path), 3, sha)
    assert not files.local_matches(str(path), 4, sha)
    assert not files.local_matches(str(path), 3, "0" * 64)
    assert not files.local_matches(str(path), 3, None)
    assert not files.local_matches(str(tmp_path / "missing.csv"), 3, sha)
