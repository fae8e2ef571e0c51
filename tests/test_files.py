"""--html, --ics and --png files: written whole or not at all, through links, never over a
device or a folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bmnsocial.errors import UsageError
from bmnsocial.files import write_atomic


def test_replaces_whole_keeps_the_mode_and_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "plan.ics"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new" and (target.stat().st_mode & 0o777) == 0o640
    fresh = tmp_path / "fresh.png"
    write_atomic(fresh, b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert (fresh.stat().st_mode & 0o777) == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.png", "plan.ics"]


def test_a_failed_rename_leaves_the_old_file_and_no_temp(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "plan.ics"
    target.write_bytes(b"old")

    def full_disk(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(UsageError, match=r"cannot write .*plan\.ics: No space left on device"):
        write_atomic(target, b"half")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["plan.ics"]


def test_a_link_is_followed_and_kept(tmp_path: Path) -> None:
    real = tmp_path / "shared" / "preview.html"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "preview.html"
    link.symlink_to(real)
    write_atomic(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"


@pytest.mark.parametrize("make", ["folder", "device"])
def test_anything_but_a_regular_file_is_refused(tmp_path: Path, make: str) -> None:
    if make == "folder":
        target = tmp_path / "out.html"
        target.mkdir()
    else:
        target = Path("/dev/null")
        assert target.exists()
    with pytest.raises(UsageError, match="is not a regular file"):
        write_atomic(target, b"x")
    assert Path("/dev/null").is_char_device()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot write"):
        write_atomic(tmp_path / "nope" / "x.png", b"x")
