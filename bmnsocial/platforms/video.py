"""A platform's video limits, as its vendor states them, and what a video that breaks them is
told (with the ffmpeg command that fixes it). Each platform keeps its own table."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from bmnsocial.diagnostics import Severity
from bmnsocial.i18n import _, number
from bmnsocial.platforms.rendered import Finding, RenderedMedia
from bmnsocial.posts.media import VideoInfo
from bmnsocial.yamlsafe import PathKey


@dataclass(frozen=True, slots=True)
class VideoCodes:
    """The platform's diagnostic codes, one per rule."""

    duration: str
    resolution: str
    aspect: str
    frame_rate: str
    codec: str
    audio: str


@dataclass(frozen=True, slots=True)
class VideoLimits:
    platform: str  # as shown: "X"
    codes: VideoCodes
    min_seconds: float
    max_seconds: float
    min_side: int
    max_long_side: int  # the limits are read either way round: portrait and landscape alike
    max_short_side: int
    max_fps: float
    max_aspect: float  # the longer side over the shorter
    codecs: frozenset[str]  # sample entries the vendor names; others are a warning
    codec_names: str
    audio: frozenset[str]
    audio_types: frozenset[int]  # MPEG-4 audio object types (2: AAC LC)
    max_channels: int


def _out(name: str, suffix: str) -> str:
    path = PurePosixPath(name)
    return f"{path.stem}-{suffix}{path.suffix or '.mp4'}"


def _command(name: str, options: str, suffix: str) -> str:
    """An ffmpeg command to run in the media folder (the new file's name is the old one's
    with ``suffix``)."""
    return (f"ffmpeg -i {shlex.quote(PurePosixPath(name).name)} {options} "
            f"{shlex.quote(_out(PurePosixPath(name).name, suffix))}")


def _plain(value: float, digits: int = 1) -> str:
    """141.5, 0.4, 140, 29.97: no decimals a whole number does not need."""
    rounded = round(float(value), digits)
    needed = next(d for d in range(digits + 1) if round(rounded, d) == rounded)
    return number(rounded, needed)


def _even(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def check_video(media: RenderedMedia, limits: VideoLimits) -> Iterator[Finding]:
    """What breaks ``limits`` in a video whose headers were read (``MediaInfo.video``)."""
    video = media.info.video
    if video is None:
        return
    where, name, codes = (*media.source, "path"), media.info.relative, limits.codes
    yield from _duration(video, limits, where, name, codes)
    yield from _picture(video, limits, where, name, codes)
    yield from _codecs(video, limits, where, name, codes)


def _duration(video: VideoInfo, limits: VideoLimits, where: PathKey, name: str,
              codes: VideoCodes) -> Iterator[Finding]:
    seconds = video.seconds
    if seconds is None:
        yield Finding(where, codes.duration, _(
            "the length of '{path}' cannot be read from its headers (a fragmented recording); "
            "{platform} takes videos of {min} to {max} seconds.").format(
                path=name, platform=limits.platform, min=_plain(limits.min_seconds),
                max=_plain(limits.max_seconds)),
            _("Check its length; in the media folder, {command} writes a copy bmnsocial can "
              "read.").format(command=_command(name, "-c copy", "whole")),
            severity=Severity.WARNING)
    elif seconds > limits.max_seconds:
        yield Finding(where, codes.duration, _(
            "'{path}' lasts {seconds} seconds; {platform} takes videos of up to {max} seconds."
        ).format(path=name, seconds=_plain(seconds), platform=limits.platform,
                 max=_plain(limits.max_seconds)),
            _("Shorten it; in the media folder, {command} keeps the first {max} seconds.").format(
                command=_command(name, f"-t {limits.max_seconds:g}",
                                 f"{limits.max_seconds:g}s"),
                max=_plain(limits.max_seconds)))
    elif seconds < limits.min_seconds:
        yield Finding(where, codes.duration, _(
            "'{path}' lasts {seconds} seconds; {platform} takes videos of at least {min} seconds."
        ).format(path=name, seconds=_plain(seconds, 2), platform=limits.platform,
                 min=_plain(limits.min_seconds)),
            _("Use a longer clip."))


def _picture(video: VideoInfo, limits: VideoLimits, where: PathKey, name: str,
             codes: VideoCodes) -> Iterator[Finding]:
    width, height = video.width, video.height
    long_side, short_side = max(width, height), min(width, height)
    size = f"{width}×{height}"
    if short_side < limits.min_side:
        yield Finding(where, codes.resolution, _(
            "'{path}' is {size} pixels; {platform} takes videos of at least {min}×{min}."
        ).format(path=name, size=size, platform=limits.platform, min=limits.min_side),
            _("Export it larger."))
        return
    if long_side > limits.max_long_side or short_side > limits.max_short_side:
        scale = min(limits.max_long_side / long_side, limits.max_short_side / short_side)
        new_width, new_height = _even(width * scale), _even(height * scale)
        yield Finding(where, codes.resolution, _(
            "'{path}' is {size} pixels; {platform} takes videos of up to {long}×{short} "
            "(or {short}×{long} upright).").format(
                path=name, size=size, platform=limits.platform, long=limits.max_long_side,
                short=limits.max_short_side),
            _("Scale it down; in the media folder: {command}").format(command=_command(
                name, f"-vf scale={new_width}:{new_height}", f"{new_width}x{new_height}")))
    if long_side > short_side * limits.max_aspect:
        if width > height:
            new_width, new_height = _even(height * limits.max_aspect), height
        else:
            new_width, new_height = width, _even(width * limits.max_aspect)
        yield Finding(where, codes.aspect, _(
            "'{path}' is {size} pixels, {ratio}:1; {platform} takes videos from 1:{max} to {max}:1."
        ).format(path=name, size=size, ratio=number(long_side / short_side, 1),
                 platform=limits.platform, max=_plain(limits.max_aspect)),
            _("Crop it; in the media folder: {command}").format(command=_command(
                name, f"-vf crop={new_width}:{new_height}", "crop")))
    if video.fps is not None and video.fps > limits.max_fps + 0.01:
        yield Finding(where, codes.frame_rate, _(
            "'{path}' has {fps} frames per second; {platform} takes up to {max}.").format(
                path=name, fps=_plain(video.fps, 2), platform=limits.platform,
                max=_plain(limits.max_fps)),
            _("Lower it; in the media folder: {command}").format(
                command=_command(name, "-r 30", "30fps")))


def _codecs(video: VideoInfo, limits: VideoLimits, where: PathKey, name: str,
            codes: VideoCodes) -> Iterator[Finding]:
    if video.codec not in limits.codecs:
        yield Finding(where, codes.codec, _(
            "'{path}' is encoded as '{codec}'; {platform} asks for {expected} and may refuse "
            "it.").format(path=name, codec=video.codec, platform=limits.platform,
                          expected=limits.codec_names),
            _("Encode it again; in the media folder: {command}").format(command=_command(
                name, "-c:v libx264 -c:a aac", "h264")),
            severity=Severity.WARNING)
    if video.audio is None:
        return
    plain = (video.audio in limits.audio
             and (video.audio_type is None or video.audio_type in limits.audio_types))
    if not plain:
        kind = video.audio if video.audio_type is None else f"{video.audio} ({video.audio_type})"
        yield Finding(where, codes.audio, _(
            "the sound of '{path}' is '{codec}'; {platform} takes only AAC-LC sound (MPEG-4 "
            "audio object type 2).").format(path=name, codec=kind, platform=limits.platform),
            _("Encode the sound again; in the media folder: {command}").format(
                command=_command(name, "-c:v copy -c:a aac -ac 2", "aac")))
    elif video.channels is not None and video.channels > limits.max_channels:
        yield Finding(where, codes.audio, _(
            "the sound of '{path}' has {channels} channels; {platform} takes mono or stereo."
        ).format(path=name, channels=video.channels, platform=limits.platform),
            _("Mix it down to stereo; in the media folder: {command}").format(
                command=_command(name, "-c:v copy -c:a aac -ac 2", "stereo")))


def video_size_hint(name: str) -> str:
    return _("Make it smaller; in the media folder: {command}").format(
        command=_command(name, "-c:v libx264 -crf 28 -c:a aac", "small"))
