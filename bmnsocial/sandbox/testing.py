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


def sample_mp4(size: int = 4096) -> bytes:
    """An MP4-looking blob (``ftyp`` box, then padding in an ``mdat`` box)."""
    ftyp = struct.pack(">I", 24) + b"ftypisom" + struct.pack(">I", 0x200) + b"isomiso2"
    mdat_len = max(size - len(ftyp), 8)
    return ftyp + struct.pack(">I", mdat_len) + b"mdat" + b"\x00" * (mdat_len - 8)


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
