"""Recognise media bytes by their magic numbers, as the platforms' media pipelines do."""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = ["MediaInfo", "sniff"]


@dataclass(frozen=True)
class MediaInfo:
    mime: str
    width: int | None = None
    height: int | None = None

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/") and self.mime != "image/gif"

    @property
    def is_video(self) -> bool:
        return self.mime.startswith("video/")


def _png(data: bytes) -> MediaInfo | None:
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return MediaInfo("image/png", width, height)


def _gif(data: bytes) -> MediaInfo | None:
    if len(data) < 10:
        return None
    width, height = struct.unpack("<HH", data[6:10])
    return MediaInfo("image/gif", width, height)


_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg(data: bytes) -> MediaInfo | None:
    i = 2
    n = len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        if marker == 0xD9:
            return None
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if length < 2:
            return None
        if marker in _SOF_MARKERS:
            if i + 9 > n:
                return None
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return MediaInfo("image/jpeg", width, height)
        i += 2 + length
    return None


def _webp(data: bytes) -> MediaInfo | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        return MediaInfo("image/webp", width, height)
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return MediaInfo("image/webp", width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return MediaInfo("image/webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    return None


def sniff(data: bytes) -> MediaInfo | None:
    """Return the media type (and image size when readable) of ``data``, or ``None``.

    Recognises JPEG, PNG, GIF, WEBP, BMP, TIFF and MP4/QuickTime (``ftyp`` box).
    Images whose header is truncated or inconsistent are not recognised.
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png(data)
    if data.startswith(b"\xff\xd8\xff"):
        return _jpeg(data)
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return _gif(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data)
    if data[:2] == b"BM" and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return MediaInfo("image/bmp", width, abs(height))
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return MediaInfo("image/tiff")
    if len(data) >= 12 and data[4:8] == b"ftyp":
        brand = data[8:12]
        return MediaInfo("video/quicktime" if brand == b"qt  " else "video/mp4")
    return None
