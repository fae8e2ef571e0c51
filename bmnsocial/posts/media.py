"""Media files: where they may live, and what they really are (by their first bytes).

One function, :func:`open_media`, applies every rule, for ``validate`` and again at send time:
the file is opened without following links (no component under the media folder may be a
link), then checked on what was opened (a regular file, its size, its type by content), and
read through :class:`OpenedMedia` in bounded pieces, never beyond the size checked."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bmnsocial.i18n import number
from bmnsocial.reasons import Reason, Said

EXTENSION_TYPES = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
    ".webp": "image/webp", ".mp4": "video/mp4", ".mov": "video/quicktime",
}
KIND_BY_TYPE = {"image/jpeg": "image", "image/png": "image", "image/webp": "image",
                "image/gif": "gif", "video/mp4": "video", "video/quicktime": "video"}


class MediaProblem(Exception):
    def __init__(self, code: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


@dataclass(frozen=True, slots=True)
class MediaInfo:
    path: Path
    relative: str
    mime: str
    size: int
    # When it was last changed, as queued: a file changed after queueing is not sent (None in
    # payloads queued before this was recorded: the size and type are compared then).
    mtime_ns: int | None = None

    @property
    def kind(self) -> str:
        return KIND_BY_TYPE[self.mime]

    @property
    def root(self) -> Path:
        """The media folder the file was found in (``path`` is that folder + ``relative``)."""
        depth = len(_parts(self.relative))
        return self.path.parents[depth - 1] if depth else self.path


def sniff(head: bytes) -> str | None:
    """The media type the bytes say they are, for the types we can publish."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:10] == b"qt" else "video/mp4"
    return None


def _parts(relative: str) -> tuple[str, ...]:
    return tuple(p for p in PurePosixPath(relative.replace("\\", "/")).parts if p != ".")


def _outside(media_root: Path, relative: str) -> tuple[str, ...]:
    """The path's components, or MEDIA-OUTSIDE-ROOT for a path written to leave the folder."""
    pure = PurePosixPath(relative.replace("\\", "/"))
    if pure.is_absolute() or relative.startswith("~"):
        raise MediaProblem("MEDIA-OUTSIDE-ROOT",
                           Reason("media-absolute", path=relative),
                           Reason("media-absolute-fix", folder=str(media_root)))
    if ".." in pure.parts:
        raise MediaProblem("MEDIA-OUTSIDE-ROOT",
                           Reason("media-dotdot", path=relative),
                           Reason("media-dotdot-fix", folder=str(media_root)))
    parts = _parts(relative)
    if not parts:
        raise _missing(media_root, relative)
    return parts


def _missing(media_root: Path, relative: str) -> MediaProblem:
    return MediaProblem("MEDIA-MISSING", Reason(
        "media-missing", path=relative, folder=str(media_root)),
        Reason("media-missing-fix"))


def _link(media_root: Path, relative: str) -> MediaProblem:
    return MediaProblem("MEDIA-OUTSIDE-ROOT",
                        Reason("media-link", path=relative),
                        Reason("media-link-fix", folder=str(media_root)))


def _open_error(exc: OSError, media_root: Path, relative: str, name: str,
                folder_fd: int) -> MediaProblem:
    """What an open of ``name`` (in the folder ``folder_fd``) that failed means to a person."""
    try:
        mode = os.stat(name, dir_fd=folder_fd, follow_symlinks=False).st_mode
    except OSError:
        mode = None
    if mode is not None and stat.S_ISLNK(mode):
        return _link(media_root, relative)
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return _missing(media_root, relative)
    return MediaProblem("MEDIA-UNREADABLE", Reason(
        "media-unreadable", path=relative, reason=Said(str(exc.strerror or exc))),
        Reason("media-unreadable-fix"))


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: a FIFO named like an image must not hang the open.
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def _open_inside(media_root: Path, relative: str) -> tuple[int, Path]:
    """A descriptor of the file ``relative`` names inside ``media_root``, reached one folder
    at a time from the media folder with no link followed, and its path."""
    parts = _outside(media_root, relative)
    root = media_root.resolve()
    try:
        folder = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        raise _missing(media_root, relative) from None
    try:
        for name in parts[:-1]:
            try:
                inner = os.open(name, _DIR_FLAGS, dir_fd=folder)
            except OSError as exc:
                raise _open_error(exc, media_root, relative, name, folder) from None
            os.close(folder)
            folder = inner
        try:
            fd = os.open(parts[-1], _FILE_FLAGS, dir_fd=folder)
        except OSError as exc:
            raise _open_error(exc, media_root, relative, parts[-1], folder) from None
    finally:
        os.close(folder)
    return fd, root.joinpath(*parts)


class OpenedMedia:
    """A checked media file, open: ``info`` says what it was when opened. Reads never go past
    the size checked; reaching it, the file is looked at again, and one that changed while it
    was read raises MEDIA-CHANGED (what was read is then not used)."""

    def __init__(self, fd: int, info: MediaInfo) -> None:
        self.fd = fd
        self.info = info
        self.name = info.path.name
        self._offset = 0

    def read(self, size: int = -1) -> bytes:
        left = self.info.size - self._offset
        want = left if size is None or size < 0 else min(size, left)
        if want <= 0:
            return b""
        data = os.pread(self.fd, want, self._offset)
        self._offset += len(data)
        if len(data) < want or self._offset == self.info.size:
            self._check_unchanged()
        return data

    def chunks(self, size: int) -> Iterator[bytes]:
        while chunk := self.read(size):
            yield chunk

    def _check_unchanged(self) -> None:
        st = os.fstat(self.fd)
        if (self._offset != self.info.size or st.st_size != self.info.size
                or st.st_mtime_ns != self.info.mtime_ns):
            raise changed(self.info, Reason("media-changed-while-read"))

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def changed(info: MediaInfo, how: str) -> MediaProblem:
    return MediaProblem("MEDIA-CHANGED", Reason(
        "media-changed", path=info.relative, how=how), Reason("media-changed-fix"))


@contextmanager
def open_media(media_root: Path, relative: str,
               queued: MediaInfo | None = None) -> Iterator[OpenedMedia]:
    """The file ``relative`` names inside ``media_root``, opened and checked by every rule:
    inside the folder with no link on the way, a regular file, its type by content, whole.
    With ``queued``: also still the file that was queued (same size, type, and modification
    time when known), compared before a byte of it is read."""
    fd, path = _open_inside(media_root, relative)
    opened = OpenedMedia(fd, MediaInfo(path, relative, "", 0))
    try:
        opened.info = _check(fd, path, media_root, relative, queued)
        yield opened
    finally:
        opened.close()


def _check(fd: int, path: Path, media_root: Path, relative: str,
           queued: MediaInfo | None) -> MediaInfo:
    st = os.fstat(fd)
    if stat.S_ISDIR(st.st_mode):
        raise MediaProblem("MEDIA-MISSING",
                           Reason("media-folder", path=relative),
                           Reason("media-folder-fix"))
    if not stat.S_ISREG(st.st_mode):
        raise MediaProblem("MEDIA-UNREADABLE",
                           Reason("media-not-regular", path=relative),
                           Reason("media-not-regular-fix", folder=str(media_root)))
    size = st.st_size
    if queued is not None and size != queued.size:
        raise changed(queued, Reason("media-was-is", before=human_size(queued.size),
                                       after=human_size(size)))
    if queued is not None and queued.mtime_ns not in (None, st.st_mtime_ns):
        raise changed(queued, Reason("media-saved-again"))
    declared = EXTENSION_TYPES.get(path.suffix.lower())
    if declared is None:
        raise MediaProblem("MEDIA-TYPE",
                           Reason("media-extension", path=relative),
                           Reason("media-extension-fix"))
    try:
        head = os.pread(fd, 16, 0)
        tail = os.pread(fd, _TAIL, max(0, size - _TAIL))
    except OSError as exc:
        raise MediaProblem("MEDIA-UNREADABLE", Reason(
            "media-unreadable", path=relative, reason=Said(str(exc.strerror or exc))),
            Reason("media-unreadable-fix")) from None
    actual = sniff(head)
    if queued is not None and actual != queued.mime:
        raise changed(queued, Reason("media-was-is", before=queued.mime,
                                       after=actual or Reason("media-unknown-content")))
    if actual is None or KIND_BY_TYPE[actual] != KIND_BY_TYPE[declared] or (
            actual != declared and KIND_BY_TYPE[actual] != "video"):
        what = actual or Reason("media-unknown-content")
        raise MediaProblem("MEDIA-TYPE-MISMATCH",
                           Reason("media-mismatch", path=relative, suffix=path.suffix,
                                  content=what),
                           Reason("media-mismatch-fix"))
    if not complete(actual, head, tail, size):
        raise MediaProblem("MEDIA-CORRUPT",
                           Reason("media-cut-short", path=relative, kind=actual,
                                  size=human_size(size)),
                           Reason("media-cut-short-fix"))
    return MediaInfo(path, relative, actual, size, st.st_mtime_ns)


def inspect(media_root: Path, relative: str) -> MediaInfo:
    with open_media(media_root, relative) as opened:
        return opened.info


def open_queued(queued: MediaInfo) -> AbstractContextManager[OpenedMedia]:
    """A queued file, opened for sending by the rules of ``validate``, and only if it is still
    the file that was queued."""
    return open_media(queued.root, queued.relative, queued)


_TAIL = 64 * 1024
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def complete(mime: str, head: bytes, tail: bytes, size: int) -> bool:
    """Does the file end as a whole one of its type does? Catches a copy or a download cut
    short, which the platforms refuse at publishing time, without decoding the image."""
    if mime == "image/jpeg":
        return b"\xff\xd9" in tail  # the end-of-image marker (some cameras add data after it)
    if mime == "image/png":
        return tail.rstrip(b"\x00").endswith(_PNG_END) or tail.endswith(_PNG_END)
    if mime == "image/gif":
        return tail.rstrip(b"\x00").endswith(b";")
    if mime == "image/webp":
        return size >= int.from_bytes(head[4:8], "little") + 8
    return True  # video containers: the platforms check them


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{number(size / 1024, 1)} KiB"
    return f"{number(size / 1024 / 1024, 1)} MiB"
