"""Media files: where they may live, and what they really are (by their first bytes)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bmnsocial.i18n import _, number

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

    @property
    def kind(self) -> str:
        return KIND_BY_TYPE[self.mime]


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


def resolve(media_root: Path, relative: str) -> Path:
    """The file ``relative`` names inside ``media_root``; refuses anything that leaves it."""
    pure = PurePosixPath(relative.replace("\\", "/"))
    if pure.is_absolute() or relative.startswith("~"):
        raise MediaProblem("MEDIA-OUTSIDE-ROOT",
                           _("'{path}' is an absolute path.").format(path=relative),
                           _("Write the path relative to the media folder {folder}.").format(
                               folder=media_root))
    if ".." in pure.parts:
        raise MediaProblem("MEDIA-OUTSIDE-ROOT",
                           _("'{path}' uses '..' to leave the media folder.").format(
                               path=relative),
                           _("Put the file inside {folder} and name it from there.").format(
                               folder=media_root))
    root = media_root.resolve()
    candidate = root.joinpath(*pure.parts)
    real = candidate.resolve()
    if not real.is_relative_to(root):
        raise MediaProblem("MEDIA-OUTSIDE-ROOT",
                           _("'{path}' is a link that points outside the media folder.").format(
                               path=relative),
                           _("Copy the file into {folder} instead of linking to it.").format(
                               folder=media_root))
    return real


def inspect(media_root: Path, relative: str) -> MediaInfo:
    path = resolve(media_root, relative)
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
            size = fh.seek(0, 2)
            fh.seek(max(0, size - _TAIL))
            tail = fh.read(_TAIL)
    except FileNotFoundError:
        raise MediaProblem("MEDIA-MISSING", _(
            "the media file '{path}' does not exist in {folder}.").format(
                path=relative, folder=media_root),
            _("Check the name (capitals count) and that the file is committed.")) from None
    except IsADirectoryError:
        raise MediaProblem("MEDIA-MISSING",
                           _("'{path}' is a folder, not a file.").format(path=relative),
                           _("Name the image file itself.")) from None
    except OSError as exc:
        raise MediaProblem("MEDIA-UNREADABLE", _("cannot read '{path}': {reason}.").format(
            path=relative, reason=exc.strerror or exc),
            _("Check the file's permissions.")) from None
    declared = EXTENSION_TYPES.get(path.suffix.lower())
    if declared is None:
        raise MediaProblem("MEDIA-TYPE",
                           _("'{path}' has an extension we cannot publish.").format(
                               path=relative),
                           _("Use .jpg, .png, .gif, .webp, .mp4 or .mov."))
    actual = sniff(head)
    if actual is None or KIND_BY_TYPE[actual] != KIND_BY_TYPE[declared] or (
            actual != declared and KIND_BY_TYPE[actual] != "video"):
        what = actual or _("not an image or video we know")
        raise MediaProblem("MEDIA-TYPE-MISMATCH",
                           _("'{path}' is named {suffix} but its content is {content}.").format(
                               path=relative, suffix=path.suffix, content=what),
                           _("Export the image again in the format its name says, or rename "
                             "it."))
    if not complete(actual, head, tail, size):
        raise MediaProblem("MEDIA-CORRUPT",
                           _("'{path}' is cut short: the {kind} file does not end the way a "
                             "whole one does ({size}).").format(
                               path=relative, kind=actual, size=human_size(size)),
                           _("Copy or export the file again; open it first to check that it "
                             "shows whole."))
    return MediaInfo(path, relative, actual, size)


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
