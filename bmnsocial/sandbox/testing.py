"""Helpers for tests against the sandbox: sample media and ready-made clients.

The client builders import tweepy / facebook-sdk lazily so importing this module
stays cheap and warning-free.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping
from typing import Any

import requests

from bmnsocial.platforms.routing import TimeoutArg, mount_routes
from bmnsocial.sandbox.credentials import SANDBOX_CREDENTIALS

__all__ = [
    "graph_api",
    "mp4_box",
    "oauth1",
    "sample_gif",
    "sample_jpeg",
    "sample_mp4",
    "sample_png",
    "sample_webp",
    "tweepy_client",
]


def sample_png(width: int = 2, height: int = 2, padding: int = 0) -> bytes:
    """A valid RGB PNG; ``padding`` adds an ancillary chunk of that many bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + b"\x80\x40\x20" * width for _ in range(height))
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    if padding:
        body += chunk(b"zzPd", b"\x00" * padding)
    body += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def sample_jpeg(width: int = 2, height: int = 2) -> bytes:
    """A baseline JPEG header with a real SOF0 segment (enough for media sniffing)."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes(range(1, 65))
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    dht = b"\xff\xc4" + struct.pack(">H", 20) + b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00"
    sos = b"\xff\xda" + struct.pack(">H", 8) + b"\x01\x01\x00\x00\x3f\x00"
    return b"\xff\xd8" + app0 + dqt + sof + dht + sos + b"\x00\x00" + b"\xff\xd9"


def sample_gif(width: int = 1, height: int = 1) -> bytes:
    return (
        b"GIF89a"
        + struct.pack("<HH", width, height)
        + b"\x80\x00\x00\xff\xff\xff\x00\x00\x00"
        + b"!\xf9\x04\x01\x00\x00\x00\x00"
        + b",\x00\x00\x00\x00"
        + struct.pack("<HH", width, height)
        + b"\x00\x02\x02D\x01\x00;"
    )


def sample_webp(width: int = 1, height: int = 1) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    payload = b"\x2f" + struct.pack("<I", bits) + b"\x00\x00\x00"
    chunk = b"VP8L" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def mp4_box(kind: bytes, *content: bytes) -> bytes:
    """One MP4 box: 32-bit size, type, content."""
    body = b"".join(content)
    return struct.pack(">I", 8 + len(body)) + kind + body


_MATRICES = {0: (1, 0, 0, 1), 90: (0, 1, -1, 0), 180: (-1, 0, 0, -1), 270: (0, -1, 1, 0)}


def _tkhd(track_id: int, duration: int, width: int, height: int, rotation: int) -> bytes:
    a, b, c, d = _MATRICES[rotation]
    matrix = struct.pack(">9i", a << 16, b << 16, 0, c << 16, d << 16, 0, 0, 0, 1 << 30)
    return mp4_box(b"tkhd", struct.pack(">I5I", 3, 0, 0, track_id, 0, duration), bytes(8),
                   struct.pack(">hhhH", 0, 0, 0, 0), matrix,
                   struct.pack(">II", width << 16, height << 16))


def _trak(track_id: int, seconds: float, handler: bytes, timescale: int, entry: bytes,
          stts: bytes, size: tuple[int, int] = (0, 0), rotation: int = 0) -> bytes:
    mdhd = mp4_box(b"mdhd", struct.pack(">5I", 0, 0, 0, timescale, round(seconds * timescale)),
                   b"\x55\xc4\x00\x00")
    hdlr = mp4_box(b"hdlr", struct.pack(">II", 0, 0), handler, bytes(12), b"\0")
    stbl = mp4_box(b"stbl", mp4_box(b"stsd", struct.pack(">II", 0, 1), entry),
                   mp4_box(b"stts", stts))
    return mp4_box(b"trak", _tkhd(track_id, round(seconds * 1000), *size, rotation),
                   mp4_box(b"mdia", mdhd, hdlr, mp4_box(b"minf", stbl)))


def _esds(audio_type: int, channels: int) -> bytes:
    config = struct.pack(">H", audio_type << 11 | 3 << 7 | channels << 3)  # 3: 48 kHz
    decoder = b"\x40\x15" + bytes(11) + b"\x05" + bytes([len(config)]) + config
    es = b"\x00\x01\x00" + b"\x04" + bytes([len(decoder)]) + decoder
    return mp4_box(b"esds", bytes(4), b"\x03" + bytes([len(es)]) + es)


def sample_mp4(size: int = 4096, *, seconds: float = 10.0, width: int = 1280,
               height: int = 720, fps: float = 30.0, codec: bytes = b"avc1",
               rotation: int = 0, audio: bytes | None = b"mp4a", audio_type: int = 2,
               channels: int = 2, index_last: bool = False) -> bytes:
    """A small but real MP4: ``ftyp``, the index (``moov``: a video track of ``width`` x
    ``height`` turned by ``rotation``, at ``fps``, and an AAC track unless ``audio`` is
    None), and an ``mdat`` box padding the file to ``size`` bytes (with the index after it
    when ``index_last``). The samples are zeros: enough for every reader of headers."""
    ftyp = mp4_box(b"ftyp", b"isom", struct.pack(">I", 0x200), b"isomiso2avc1mp41")
    mvhd = mp4_box(b"mvhd", struct.pack(">5I", 0, 0, 0, 1000, round(seconds * 1000)),
                   struct.pack(">IH", 0x10000, 0x100), bytes(10),
                   struct.pack(">9i", 1 << 16, 0, 0, 0, 1 << 16, 0, 0, 0, 1 << 30),
                   bytes(24), struct.pack(">I", 3))
    timescale = 90_000
    visual = mp4_box(codec, bytes(6), struct.pack(">H", 1), bytes(16),
                     struct.pack(">HHIIIH", width, height, 0x480000, 0x480000, 0, 1),
                     bytes(32), struct.pack(">Hh", 0x18, -1), mp4_box(b"avcC", bytes(8)))
    frames = struct.pack(">4I", 0, 1, round(seconds * fps), round(timescale / fps))
    tracks = [_trak(1, seconds, b"vide", timescale, visual, frames, (width, height), rotation)]
    if audio is not None:
        sound = mp4_box(audio, bytes(6), struct.pack(">H", 1), bytes(8),
                        struct.pack(">HHHHI", 2, 16, 0, 0, 48_000 << 16),
                        _esds(audio_type, channels) if audio == b"mp4a" else b"")
        blocks = struct.pack(">4I", 0, 1, round(seconds * 48_000 / 1024), 1024)
        tracks.append(_trak(2, seconds, b"soun", 48_000, sound, blocks))
    moov = mp4_box(b"moov", mvhd, *tracks)
    mdat_len = max(size - len(ftyp) - len(moov), 8)
    mdat = struct.pack(">I", mdat_len) + b"mdat" + bytes(mdat_len - 8)
    return ftyp + mdat + moov if index_last else ftyp + moov + mdat


def tweepy_client(
    routes: Mapping[str, str],
    *,
    credentials: Mapping[str, str] = SANDBOX_CREDENTIALS["x"],
    timeout: TimeoutArg = 5.0,
) -> Any:
    """A ``tweepy.Client`` (OAuth 1.0a user context) whose session reaches the fakes."""
    import tweepy

    client = tweepy.Client(
        consumer_key=credentials["consumer_key"],
        consumer_secret=credentials["consumer_secret"],
        access_token=credentials["access_token"],
        access_token_secret=credentials["access_token_secret"],
        bearer_token=credentials.get("bearer_token"),
    )
    mount_routes(client.session, routes, default_timeout=timeout)
    return client


def oauth1(credentials: Mapping[str, str] = SANDBOX_CREDENTIALS["x"]) -> Any:
    """An OAuth 1.0a ``requests`` auth for raw X calls, as tweepy builds it."""
    import tweepy

    return tweepy.OAuth1UserHandler(
        credentials["consumer_key"],
        credentials["consumer_secret"],
        credentials["access_token"],
        credentials["access_token_secret"],
    ).apply_auth()


def graph_api(
    routes: Mapping[str, str],
    *,
    token: str = SANDBOX_CREDENTIALS["facebook"]["page_access_token"],
    version: str = "v23.0",
    timeout: float = 5.0,
) -> Any:
    """A ``facebook.GraphAPI`` on a session routed to the fakes, at a current version."""
    import facebook

    session = requests.Session()
    mount_routes(session, routes, default_timeout=timeout)
    graph = facebook.GraphAPI(access_token=token, timeout=timeout, session=session)
    # The constructor refuses versions above 3.1; the attribute is read at call time.
    graph.version = version
    return graph
