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

from bmnsocial.i18n import _, number
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
class VideoInfo:
    """What a video's headers say (the MP4/QuickTime index, ``moov``); None where they do not."""

    seconds: float | None
    width: int  # as shown: the track's rotation applied
    height: int
    rotation: int  # degrees clockwise, from the track's matrix (ffprobe counts the other way)
    fps: float | None  # frames over the track's duration
    codec: str  # the video's sample entry: avc1/avc3 = H.264, hvc1/hev1 = HEVC, ...
    audio: str | None = None  # the sound's sample entry (mp4a = MPEG-4 audio); None: silent
    audio_type: int | None = None  # MPEG-4 audio object type: 2 = AAC LC, 5 and 29 = HE-AAC
    channels: int | None = None


@dataclass(frozen=True, slots=True)
class MediaInfo:
    path: Path
    relative: str
    mime: str
    size: int
    # When it was last changed, as queued: a file changed after queueing is not sent (None in
    # payloads queued before this was recorded: the size and type are compared then).
    mtime_ns: int | None = None
    video: VideoInfo | None = None  # read when the file is checked, never stored in payloads

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
    video = read_video(fd, size, relative) if KIND_BY_TYPE[actual] == "video" else None
    return MediaInfo(path, relative, actual, size, st.st_mtime_ns, video)


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
    return True  # video containers: read_video walks every top-level box to the end


def video_summary(video: VideoInfo) -> str:
    """'2:21.5, 1920×1080, 30 fps, avc1': what previews show of a video (unknowns left out)."""
    shown = []
    if video.seconds is not None:
        minutes, seconds = divmod(video.seconds, 60)
        shown.append(f"{int(minutes)}:{number(seconds, 1).zfill(4)}")
    shown.append(f"{video.width}×{video.height}")
    if video.fps is not None:
        shown.append(_("{fps} fps").format(fps=number(video.fps, 0 if video.fps.is_integer()
                                                       else 2)))
    shown.append(video.codec)
    return ", ".join(shown)


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{number(size / 1024, 1)} KiB"
    return f"{number(size / 1024 / 1024, 1)} MiB"


# ---------------------------------------------------------------------------------------------
# Video headers (ISO base media file format: MP4, and QuickTime's MOV, which it comes from).
# Only box headers and the few small boxes that say duration, size, rate and codecs are read,
# each with one bounded pread; the sample data ('mdat', often most of the file) is skipped.

_MAX_TOP_BOXES = 100_000  # a 2-hour fragmented recording has ~15,000
_MAX_CHILDREN = 1024
_MAX_BOXES = 150_000  # in all: nested containers cannot multiply the reads
_MAX_TIME_TABLE = 1 << 20  # bytes of 'stts' read for the frame count (131,072 entries)
_SMALL_BOX = 4096  # mvhd, tkhd, mdhd, hdlr, mehd and a sample entry are far smaller
_UNKNOWN_32, _UNKNOWN_64 = (1 << 32) - 1, (1 << 64) - 1


class _Unreadable(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def _box_name(kind: bytes) -> str:
    """A box type as it may be shown: four printable letters, else its bytes in hex."""
    if all(0x20 < b < 0x7F for b in kind):
        return kind.decode("ascii")
    return "0x" + kind.hex()


@dataclass(frozen=True, slots=True)
class _Box:
    kind: bytes
    start: int  # where its header begins
    body: int  # where its content begins
    end: int


class _Mp4:
    """Reads the boxes of an open MP4/MOV file with bounded preads; any inconsistency is
    ``_Unreadable``: a box larger than what holds it, too many boxes, a box too short for
    what it must hold."""

    def __init__(self, fd: int, size: int) -> None:
        self.fd, self.size = fd, size
        self.budget = _MAX_BOXES

    def read(self, offset: int, length: int) -> bytes:
        return os.pread(self.fd, length, offset)

    def boxes(self, start: int, end: int, limit: int = _MAX_CHILDREN,
              within: str = "") -> Iterator[_Box]:
        pos, count = start, 0
        while end - pos >= 8:
            count += 1
            self.budget -= 1
            if count > limit:
                raise _Unreadable(Reason("media-video-too-many", limit=limit,
                                         box=within or Reason("media-video-file")))
            if self.budget < 0:
                raise _Unreadable(Reason("media-video-too-many", limit=_MAX_BOXES,
                                         box=Reason("media-video-file")))
            head = self.read(pos, 16)
            kind = head[4:8]
            length, header = int.from_bytes(head[:4], "big"), 8
            if length == 1:
                if len(head) < 16:
                    raise self._cut(kind, pos + 16)
                length, header = int.from_bytes(head[8:16], "big"), 16
            elif length == 0:  # "extends to the end of the file" (or of what holds it)
                length = end - pos
            if length < header:
                raise _Unreadable(Reason("media-video-box-size", box=_box_name(kind),
                                         offset=pos, length=length))
            if pos + length > end:
                if end == self.size:
                    raise self._cut(kind, pos + length)
                raise _Unreadable(Reason("media-video-box-overflow", box=_box_name(kind),
                                         offset=pos, within=within))
            yield _Box(kind, pos, pos + header, pos + length)
            pos += length

    def _cut(self, kind: bytes, needed: int) -> _Unreadable:
        return _Unreadable(Reason("media-video-box-cut", box=_box_name(kind),
                                  needed=human_size(needed), size=human_size(self.size)))

    def child(self, box: _Box, kind: bytes, skip: int = 0) -> _Box | None:
        return next((b for b in self.boxes(box.body + skip, box.end, within=_box_name(box.kind))
                     if b.kind == kind), None)

    def content(self, box: _Box, need: int) -> bytes:
        """The start of ``box``'s content: at least ``need`` bytes of it, at most a small
        box's worth."""
        data = self.read(box.body, min(box.end - box.body, _SMALL_BOX))
        if len(data) < need:
            raise _Unreadable(Reason("media-video-box-short", box=_box_name(box.kind)))
        return data


def _fixed(data: bytes, at: int, width: int = 4) -> int:
    return int.from_bytes(data[at:at + width], "big")


def _signed(data: bytes, at: int) -> int:
    return int.from_bytes(data[at:at + 4], "big", signed=True)


def _time(data: bytes) -> tuple[int, int]:
    """(timescale, duration) of an 'mvhd' or 'mdhd' (version 0: 32-bit times, 1: 64-bit);
    a duration of all ones means unknown and is returned as 0."""
    if data[0] == 1:
        if len(data) < 32:
            raise _Unreadable(Reason("media-video-box-short", box="mvhd/mdhd"))
        duration = _fixed(data, 24, 8)
        return _fixed(data, 20), 0 if duration == _UNKNOWN_64 else duration
    duration = _fixed(data, 16)
    return _fixed(data, 12), 0 if duration == _UNKNOWN_32 else duration


@dataclass(slots=True)
class _Track:
    handler: bytes = b""
    width: int = 0
    height: int = 0
    rotation: int = 0
    timescale: int = 0
    duration: int = 0
    times: _Box | None = None  # 'stts': read only for the track whose frames are counted
    entry: bytes = b""
    entry_width: int = 0
    entry_height: int = 0
    audio_type: int | None = None
    channels: int | None = None


def _rotation(matrix: bytes) -> int:
    """Degrees the track is turned when shown, from the 3×3 matrix's first two rows."""
    a, b, c, d = (_signed(matrix, i) for i in (0, 4, 12, 16))
    if a == 0 and d == 0 and b and c:
        return 90 if b > 0 else 270
    return 180 if a < 0 and d < 0 else 0


def _track(mp4: _Mp4, trak: _Box) -> _Track:
    track = _Track()
    for box in mp4.boxes(trak.body, trak.end, within="trak"):
        if box.kind == b"tkhd":
            data = mp4.content(box, 84)
            base = 52 if data[0] == 1 else 40
            if len(data) < base + 44:
                raise _Unreadable(Reason("media-video-box-short", box="tkhd"))
            track.rotation = _rotation(data[base:base + 36])
            track.width = _fixed(data, base + 36) >> 16
            track.height = _fixed(data, base + 40) >> 16
        elif box.kind == b"mdia":
            _media(mp4, box, track)
    return track


def _media(mp4: _Mp4, mdia: _Box, track: _Track) -> None:
    stbl: _Box | None = None
    for box in mp4.boxes(mdia.body, mdia.end, within="mdia"):
        if box.kind == b"mdhd":
            track.timescale, track.duration = _time(mp4.content(box, 24))
        elif box.kind == b"hdlr":
            track.handler = mp4.content(box, 12)[8:12]
        elif box.kind == b"minf":
            stbl = mp4.child(box, b"stbl")
    if stbl is None or track.handler not in (b"vide", b"soun"):
        return
    stsd, stts = mp4.child(stbl, b"stsd"), mp4.child(stbl, b"stts")
    if stsd is not None:
        entry = next(mp4.boxes(stsd.body + 8, stsd.end, within="stsd"), None)
        if entry is not None:
            _sample_entry(mp4, entry, track)
    track.times = stts


def _sample_entry(mp4: _Mp4, entry: _Box, track: _Track) -> None:
    track.entry = entry.kind
    if track.handler == b"vide":
        data = mp4.content(entry, 28)
        track.entry_width, track.entry_height = _fixed(data, 24, 2), _fixed(data, 26, 2)
        return
    data = mp4.content(entry, 28)
    track.channels = _fixed(data, 16, 2)
    # QuickTime sound descriptions version 1 and 2 carry 16 and 36 more bytes before the boxes.
    extra = {1: 16, 2: 36}.get(_fixed(data, 8, 2), 0)
    if entry.kind != b"mp4a" or entry.end - entry.body < 28 + extra:
        return
    esds = mp4.child(entry, b"esds", 28 + extra)
    if esds is None and (wave := mp4.child(entry, b"wave", 28 + extra)) is not None:
        esds = mp4.child(wave, b"esds")
    if esds is not None:
        audio_type, channels = _audio_config(mp4.content(esds, 4)[4:])
        track.audio_type = audio_type
        track.channels = channels or track.channels


def _descriptor(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, where its content begins, where it ends) of the MPEG-4 descriptor at ``pos``."""
    tag, length, pos = data[pos], 0, pos + 1
    for _byte in range(4):
        byte = data[pos]
        pos += 1
        length = length << 7 | byte & 0x7F
        if not byte & 0x80:
            break
    return tag, pos, pos + length


def _audio_config(esds: bytes) -> tuple[int | None, int | None]:
    """The MPEG-4 audio object type and channel count an 'esds' box declares (AAC LC is 2)."""
    try:
        tag, pos, _end = _descriptor(esds, 0)
        if tag != 3:
            return None, None
        flags = esds[pos + 2]
        pos += 3 + (2 if flags & 0x80 else 0) + (2 if flags & 0x20 else 0)
        if flags & 0x40:
            pos += 1 + esds[pos]
        tag, pos, _end = _descriptor(esds, pos)
        if tag != 4 or esds[pos] != 0x40:  # 0x40: MPEG-4 audio (MPEG-2 AAC and MP3 differ)
            return None, None
        tag, pos, _end = _descriptor(esds, pos + 13)
        if tag != 5:
            return None, None
        bits = int.from_bytes(esds[pos:pos + 8].ljust(8, b"\0"), "big")
        used = 0

        def take(count: int) -> int:
            nonlocal used
            used += count
            return bits >> 64 - used & (1 << count) - 1

        audio_type = take(5)
        if audio_type == 31:
            audio_type = 32 + take(6)
        if take(4) == 0xF:  # the sampling frequency written out instead of as an index
            take(24)
        return audio_type, take(4) or None
    except IndexError:
        return None, None


def _frames(mp4: _Mp4, stts: _Box) -> int | None:
    head = mp4.content(stts, 8)
    count = _fixed(head, 4)
    if count * 8 > stts.end - stts.body - 8:
        raise _Unreadable(Reason("media-video-box-short", box="stts"))
    if count * 8 > _MAX_TIME_TABLE:
        return None
    table = mp4.read(stts.body + 8, count * 8)
    return sum(_fixed(table, i) for i in range(0, len(table), 8))


def _video_info(mp4: _Mp4, moov: _Box) -> VideoInfo | None:
    timescale = duration = 0
    video: _Track | None = None
    audio: _Track | None = None
    fragments = 0
    for box in mp4.boxes(moov.body, moov.end, within="moov"):
        if box.kind == b"mvhd":
            timescale, duration = _time(mp4.content(box, 20))
        elif box.kind == b"mvex" and (mehd := mp4.child(box, b"mehd")) is not None:
            data = mp4.content(mehd, 8)
            wide = data[0] == 1
            if wide and len(data) < 12:
                raise _Unreadable(Reason("media-video-box-short", box="mehd"))
            fragments = _fixed(data, 4, 8 if wide else 4)
        elif box.kind == b"trak":
            track = _track(mp4, box)
            if track.handler == b"vide" and video is None:
                video = track
            elif track.handler == b"soun" and audio is None:
                audio = track
    if video is None:
        return None
    duration = duration or fragments
    seconds = duration / timescale if timescale and duration else None
    if seconds is None and video.timescale and video.duration:
        seconds = video.duration / video.timescale
    track_seconds = video.duration / video.timescale if video.timescale else 0
    frames = _frames(mp4, video.times) if video.times is not None else None
    fps = frames / track_seconds if frames and track_seconds else None
    width, height = video.width or video.entry_width, video.height or video.entry_height
    if video.rotation in (90, 270):
        width, height = height, width
    return VideoInfo(seconds, width, height, video.rotation, fps,
                     _box_name(video.entry) if video.entry else "?",
                     _box_name(audio.entry) if audio is not None and audio.entry else None,
                     audio.audio_type if audio is not None else None,
                     audio.channels if audio is not None else None)


def read_video(fd: int, size: int, relative: str) -> VideoInfo:
    """What an MP4/MOV file's headers say; MEDIA-CORRUPT when they cannot be read (a file
    cut short, an index missing or inconsistent, no video track)."""
    mp4 = _Mp4(fd, size)
    try:
        # Every top-level box is walked, also after the index: a file cut short anywhere is
        # found here, not by the platform after the upload.
        moov = None
        for box in mp4.boxes(0, size, _MAX_TOP_BOXES):
            if box.kind == b"moov" and moov is None:
                moov = box
        if moov is None:
            raise _Unreadable(Reason("media-video-no-index"))
        info = _video_info(mp4, moov)
        if info is None:
            raise _Unreadable(Reason("media-video-no-track"))
    except _Unreadable as exc:
        raise MediaProblem("MEDIA-CORRUPT", Reason("media-video-unreadable", path=relative,
                                                   what=exc.what),
                           Reason("media-video-unreadable-fix")) from None
    except OSError as exc:
        raise MediaProblem("MEDIA-UNREADABLE", Reason(
            "media-unreadable", path=relative, reason=Said(str(exc.strerror or exc))),
            Reason("media-unreadable-fix")) from None
    return info
