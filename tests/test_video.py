"""Videos: what their MP4/MOV headers say, read without loading the file and without trusting
it, and X's stated limits on them (docs/post-format.md, "Videos")."""

from __future__ import annotations

import json
import os
import random
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from bmnsocial.cli.root import cli
from bmnsocial.config import Config
from bmnsocial.posts.media import MediaProblem, VideoInfo, inspect
from bmnsocial.render.validation import ValidationResult, validate_paths
from bmnsocial.sandbox.testing import mp4_box, sample_mp4
from tests.helpers import NOW, WritePost

FTYP = mp4_box(b"ftyp", b"isom", bytes(4), b"isomavc1")
SAMPLES = Path(__file__).parent / "data" / "video"


def put(config: Config, name: str, data: bytes) -> str:
    (config.media_root / name).write_bytes(data)
    return name


def read(config: Config, name: str, data: bytes) -> VideoInfo:
    info = inspect(config.media_root, put(config, name, data)).video
    assert info is not None
    return info


def problem(config: Config, name: str, data: bytes) -> MediaProblem:
    with pytest.raises(MediaProblem) as caught:
        inspect(config.media_root, put(config, name, data))
    return caught.value


def first_box(data: bytes, kind: bytes) -> bytes:
    at = data.index(kind) - 4
    return data[at:at + struct.unpack(">I", data[at:at + 4])[0]]


def index_of(data: bytes) -> bytes:
    """The 'moov' box of a sample."""
    return first_box(data, b"moov")


def counting_reads(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """How many bytes every os.pread from now on has read."""
    read: list[int] = []
    real: Callable[[int, int, int], bytes] = os.pread

    def counting(fd: int, length: int, offset: int) -> bytes:
        data = real(fd, length, offset)
        read.append(len(data))
        return data

    monkeypatch.setattr(os, "pread", counting)
    return lambda: sum(read)


def validate(config: Config, write_post: WritePost, media: str,
             platforms: str = "[twitter]") -> ValidationResult:
    write_post("v.yaml", f"""
        category: 9
        text: Un video de la BMN.
        platforms: {platforms}
        media:
          - {{path: {media}}}
    """)
    return validate_paths([config.posts_dir], config, NOW)


class TestHeaders:
    def test_duration_size_rate_and_codecs(self, config: Config) -> None:
        info = read(config, "a.mp4", sample_mp4(seconds=42.4, width=1280, height=720, fps=25))
        assert info == VideoInfo(42.4, 1280, 720, 0, 25.0, "avc1", "mp4a", 2, 2)

    @pytest.mark.parametrize("rotation", [90, 270])
    def test_a_turned_phone_video_is_shown_upright(self, config: Config, rotation: int) -> None:
        info = read(config, "a.mp4", sample_mp4(width=1280, height=720, rotation=rotation))
        assert (info.width, info.height, info.rotation) == (720, 1280, rotation)

    def test_index_at_the_end_and_a_quicktime_file(self, config: Config) -> None:
        data = sample_mp4(50_000, seconds=3, index_last=True, codec=b"hvc1", audio=None)
        quicktime = mp4_box(b"ftyp", b"qt  ", bytes(4), b"qt  ")
        info = read(config, "a.mov", quicktime + data[struct.unpack(">I", data[:4])[0]:])
        assert (info.seconds, info.codec, info.audio) == (3.0, "hvc1", None)

    def test_64_bit_sizes_and_a_last_box_to_the_end_of_the_file(self, config: Config) -> None:
        moov = index_of(sample_mp4(seconds=7))
        big = struct.pack(">I4sQ", 1, b"mdat", 16 + 1000) + bytes(1000)
        to_the_end = struct.pack(">I4s", 0, b"free") + bytes(300)
        info = read(config, "a.mp4", FTYP + big + moov + to_the_end)
        assert info.seconds == 7.0

    def test_a_file_without_a_video_track_says_so(self, config: Config) -> None:
        found = problem(config, "a.mp4", sample_mp4().replace(b"vide", b"text", 1))
        assert found.code == "MEDIA-CORRUPT" and "no video track" in found.message


class TestRealFiles:
    """Files FFmpeg wrote (tests/data/video/README.md: how, and what ffprobe says of them)."""

    @pytest.mark.parametrize(("name", "expected"), [
        ("clip-h264-aac.mp4", VideoInfo(1.52, 160, 90, 0, 25.0, "avc1", "mp4a", 2, 2)),
        ("clip-turned.mov", VideoInfo(2.0, 64, 96, 270, 30.0, "avc1")),
        ("clip-hevc-51.mp4", VideoInfo(0.3, 64, 48, 0, 120.0, "hvc1", "mp4a", 2, 6)),
        ("clip-fragmented.mp4", VideoInfo(None, 64, 48, 0, None, "avc1")),
    ])
    def test_what_the_headers_say(self, config: Config, name: str,
                                  expected: VideoInfo) -> None:
        assert read(config, name, (SAMPLES / name).read_bytes()) == expected

    def test_their_diagnostics(self, config: Config, write_post: WritePost) -> None:
        for name in ("clip-h264-aac.mp4", "clip-hevc-51.mp4", "clip-fragmented.mp4"):
            put(config, name, (SAMPLES / name).read_bytes())
        assert [d.code for d in validate(config, write_post, "clip-h264-aac.mp4").diagnostics
                ] == []
        found = validate(config, write_post, "clip-hevc-51.mp4").diagnostics
        assert sorted((d.code, d.is_error) for d in found) == [
            ("X-VIDEO-AUDIO", True), ("X-VIDEO-CODEC", False), ("X-VIDEO-DURATION", True),
            ("X-VIDEO-FRAME-RATE", True)]
        (d,) = validate(config, write_post, "clip-fragmented.mp4").diagnostics
        assert (d.code, d.is_error) == ("X-VIDEO-DURATION", False)

    def test_every_cut_of_a_real_file(self, config: Config) -> None:
        data = (SAMPLES / "clip-turned.mov").read_bytes()
        for cut in range(0, len(data), 7):
            with pytest.raises(MediaProblem) as found:
                inspect(config.media_root, put(config, "a.mov", data[:cut]))
            assert found.value.code in ("MEDIA-CORRUPT", "MEDIA-TYPE-MISMATCH")


class TestHostileFiles:
    """Every broken file is MEDIA-CORRUPT with what is wrong: never a traceback or a hang."""

    def test_no_index(self, config: Config) -> None:
        found = problem(config, "a.mp4", FTYP + mp4_box(b"mdat", bytes(500)))
        assert found.code == "MEDIA-CORRUPT"
        assert found.message == ("'a.mp4' cannot be read as a video: it has no 'moov' box, the "
                                 "index a player needs (a recording or a copy that did not "
                                 "finish).")

    def test_cut_short_after_the_index(self, config: Config) -> None:
        data = sample_mp4(10_000)
        found = problem(config, "a.mp4", data[:6000])
        assert found.code == "MEDIA-CORRUPT"
        assert "it is cut short: its 'mdat' box needs 9.8 KiB but the file has 5.9 KiB" in (
            found.message)

    @pytest.mark.parametrize("size", [0xFFFFFFFF, 2**63])
    def test_a_huge_box_size(self, config: Config, size: int) -> None:
        header = (struct.pack(">I4s", size, b"mdat") if size < 2**32
                  else struct.pack(">I4sQ", 1, b"mdat", size))
        found = problem(config, "a.mp4", FTYP + header + bytes(64))
        assert found.code == "MEDIA-CORRUPT" and "cut short" in found.message

    @pytest.mark.parametrize("header", [struct.pack(">I4s", 4, b"free"),
                                        struct.pack(">I4sQ", 1, b"free", 12)])
    def test_a_box_smaller_than_its_header(self, config: Config, header: bytes) -> None:
        found = problem(config, "a.mp4", FTYP + header + bytes(64))
        assert found.code == "MEDIA-CORRUPT" and "impossible size" in found.message

    def test_a_box_larger_than_the_box_that_holds_it(self, config: Config) -> None:
        moov = mp4_box(b"moov", struct.pack(">I4s", 500, b"trak") + bytes(20))
        found = problem(config, "a.mp4", FTYP + moov + mp4_box(b"mdat", bytes(600)))
        assert "larger than the 'moov' box that holds it" in found.message

    def test_a_time_table_longer_than_its_box(self, config: Config) -> None:
        data = sample_mp4()
        at = data.index(b"stts") + 8  # version and flags, then the number of entries
        found = problem(config, "a.mp4", data[:at] + b"\xff\xff\xff\xff" + data[at + 4:])
        assert "'stts' box is too short" in found.message

    def test_too_many_boxes(self, config: Config) -> None:
        found = problem(config, "a.mp4", FTYP + mp4_box(b"free") * 100_001)
        assert "more than 100,000 boxes in the file" in found.message

    def test_nested_boxes_cannot_multiply_the_reads(self, config: Config) -> None:
        trak = mp4_box(b"trak", mp4_box(b"free") * 200)
        found = problem(config, "a.mp4", FTYP + mp4_box(b"moov", trak * 1000))
        assert "more than 150,000 boxes in the file" in found.message

    def test_only_one_time_table_is_read(self, config: Config,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
        sample = sample_mp4(audio=None)
        times = mp4_box(b"stts", struct.pack(">II", 0, 120_000), struct.pack(">II", 1, 3000)
                        * 120_000)
        stbl = mp4_box(b"stbl", first_box(sample, b"stsd"), times)
        trak = mp4_box(b"trak", first_box(sample, b"tkhd"), mp4_box(
            b"mdia", first_box(sample, b"mdhd"), first_box(sample, b"hdlr"),
            mp4_box(b"minf", stbl)))
        put(config, "a.mp4", FTYP + mp4_box(b"moov", first_box(sample, b"mvhd"), trak * 4))
        read_bytes = counting_reads(monkeypatch)
        info = inspect(config.media_root, "a.mp4").video
        assert info is not None and info.fps == 12_000.0  # 120,000 frames over 10 seconds
        assert read_bytes() < 1_200_000

    def test_box_types_are_shown_safely(self, config: Config) -> None:
        found = problem(config, "a.mp4", FTYP + struct.pack(">I4s", 3, b"\x1b[2J") + bytes(8))
        assert "'0x1b5b324a'" in found.message and "\x1b" not in found.message

    def test_every_cut_and_every_changed_byte_of_the_index(self, config: Config) -> None:
        data = sample_mp4(2000)
        start = data.index(b"moov") - 4
        end = start + len(index_of(data))
        outcomes: list[str] = []

        def attempt(candidate: bytes) -> None:
            try:
                inspect(config.media_root, put(config, "a.mp4", candidate))
                outcomes.append("read")
            except MediaProblem as found:
                outcomes.append(found.code)

        for cut in range(start, end):
            attempt(data[:cut])
        rng = random.Random(11)
        for _ in range(400):
            at = rng.randrange(start, end)
            attempt(data[:at] + bytes([rng.randrange(256)]) + data[at + 1:])
        assert set(outcomes) <= {"read", "MEDIA-CORRUPT"}
        assert outcomes[:end - start] == ["MEDIA-CORRUPT"] * (end - start)

    def test_a_large_file_is_not_read(self, config: Config,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
        """A 600 MB video (sparse) with its index at the end: a few KiB are read."""
        moov = index_of(sample_mp4(seconds=30))
        path = config.media_root / "grande.mp4"
        mdat = 600_000_000
        with path.open("wb") as out:
            out.write(FTYP + struct.pack(">I4sQ", 1, b"mdat", mdat))
            out.seek(len(FTYP) + mdat)
            out.write(moov)
        read_bytes = counting_reads(monkeypatch)
        info = inspect(config.media_root, "grande.mp4").video
        assert info is not None and info.seconds == 30.0
        assert read_bytes() < 100_000


class TestXLimits:
    def codes(self, config: Config, write_post: WritePost, data: bytes) -> list[str]:
        put(config, "clip.mp4", data)
        return [d.code for d in validate(config, write_post, "clip.mp4").diagnostics]

    def test_a_video_within_every_limit_is_valid(self, config: Config,
                                                 write_post: WritePost) -> None:
        assert self.codes(config, write_post, sample_mp4(seconds=140, width=1280, height=720,
                                                         fps=60)) == []
        assert self.codes(config, write_post, sample_mp4(width=720, height=1280)) == []
        assert self.codes(config, write_post, sample_mp4(width=1024, height=1024)) == []

    def test_too_long(self, config: Config, write_post: WritePost) -> None:
        put(config, "clip.mp4", sample_mp4(seconds=141.5))
        (d,) = validate(config, write_post, "clip.mp4").diagnostics
        assert d.format() == (
            "posts/v.yaml:5:12: error[X-VIDEO-DURATION]: 'clip.mp4' lasts 141.5 seconds; X "
            "takes videos of up to 140 seconds. Hint: Shorten it; in the media folder, ffmpeg "
            "-i clip.mp4 -t 140 clip-140s.mp4 keeps the first 140 seconds.")

    def test_too_short(self, config: Config, write_post: WritePost) -> None:
        (d,) = validate(config, write_post, put(config, "clip.mp4", sample_mp4(
            seconds=0.4))).diagnostics
        assert d.code == "X-VIDEO-DURATION" and "0.4 seconds" in d.message
        assert "at least 0.5 seconds" in d.message

    def test_a_fragmented_recording_of_unknown_length_is_a_warning(
            self, config: Config, write_post: WritePost) -> None:
        data = sample_mp4(seconds=0)
        (d,) = validate(config, write_post, put(config, "clip.mp4", data)).diagnostics
        assert (d.code, d.is_error) == ("X-VIDEO-DURATION", False)
        assert "ffmpeg -i clip.mp4 -c copy clip-whole.mp4" in d.hint

    @pytest.mark.parametrize(("size", "rotation", "command"), [
        ((1920, 1080), 0, "-vf scale=1280:720 clip-1280x720.mp4"),
        ((1920, 1080), 90, "-vf scale=720:1280 clip-720x1280.mp4"),
        ((1080, 1080), 0, "-vf scale=1024:1024 clip-1024x1024.mp4"),
    ])
    def test_too_large_a_picture(self, config: Config, write_post: WritePost,
                                 size: tuple[int, int], rotation: int, command: str) -> None:
        data = sample_mp4(width=size[0], height=size[1], rotation=rotation)
        (d,) = validate(config, write_post, put(config, "clip.mp4", data)).diagnostics
        assert d.code == "X-VIDEO-RESOLUTION"
        shown = f"{size[1]}×{size[0]}" if rotation else f"{size[0]}×{size[1]}"
        assert f"'clip.mp4' is {shown} pixels; X takes videos of up to 1280×1024" in d.message
        assert d.hint.endswith(f"ffmpeg -i clip.mp4 {command}")

    def test_too_small_a_picture(self, config: Config, write_post: WritePost) -> None:
        assert self.codes(config, write_post, sample_mp4(width=320, height=24)) == [
            "X-VIDEO-RESOLUTION"]

    def test_too_wide(self, config: Config, write_post: WritePost) -> None:
        (d,) = validate(config, write_post, put(config, "clip.mp4", sample_mp4(
            width=1280, height=400))).diagnostics
        assert d.code == "X-VIDEO-ASPECT" and "3.2:1" in d.message and "1:3 to 3:1" in d.message
        assert d.hint.endswith("ffmpeg -i clip.mp4 -vf crop=1200:400 clip-crop.mp4")

    def test_too_many_frames_per_second(self, config: Config, write_post: WritePost) -> None:
        (d,) = validate(config, write_post, put(config, "clip.mp4", sample_mp4(
            fps=120))).diagnostics
        assert d.code == "X-VIDEO-FRAME-RATE"
        assert d.message == "'clip.mp4' has 120 frames per second; X takes up to 60."
        assert d.hint.endswith("ffmpeg -i clip.mp4 -r 30 clip-30fps.mp4")

    def test_another_codec_is_a_warning(self, config: Config, write_post: WritePost) -> None:
        (d,) = validate(config, write_post, put(config, "clip.mp4", sample_mp4(
            codec=b"hvc1"))).diagnostics
        assert (d.code, d.is_error) == ("X-VIDEO-CODEC", False)
        assert "'hvc1'" in d.message and "H.264" in d.message

    @pytest.mark.parametrize(("options", "said"), [
        ({"audio_type": 5}, "'mp4a (5)'"),
        ({"audio": b"ac-3"}, "'ac-3'"),
        ({"channels": 6}, "6 channels"),
    ])
    def test_sound_other_than_aac_lc_stereo(self, config: Config, write_post: WritePost,
                                             options: dict[str, object], said: str) -> None:
        data = sample_mp4(**options)  # type: ignore[arg-type]
        (d,) = validate(config, write_post, put(config, "clip.mp4", data)).diagnostics
        assert d.code == "X-VIDEO-AUDIO" and said in d.message
        assert "-c:v copy -c:a aac -ac 2" in d.hint

    def test_over_512_mb(self, config: Config, write_post: WritePost) -> None:
        moov = index_of(sample_mp4())
        path = config.media_root / "clip.mp4"
        with path.open("wb") as out:
            out.write(FTYP + moov + struct.pack(">I4sQ", 1, b"mdat", 512_000_000))
            out.truncate(len(FTYP) + len(moov) + 512_000_000)
        (d,) = validate(config, write_post, "clip.mp4").diagnostics
        assert d.code == "X-MEDIA-SIZE" and "512 MB" in d.message
        assert d.hint.endswith("ffmpeg -i clip.mp4 -c:v libx264 -crf 28 -c:a aac "
                               "clip-small.mp4")

    def test_in_spanish(self, config: Config, write_post: WritePost,
                        monkeypatch: pytest.MonkeyPatch) -> None:
        put(config, "clip.mp4", sample_mp4(seconds=200))
        write_post("v.yaml", "category: 9\ntext: hola\nplatforms: [twitter]\n"
                             "media: [{path: clip.mp4, alt: Visita}]\n")
        result = CliRunner().invoke(cli, ["--lang", "es", "validate"])
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert ("posts/v.yaml:4:16: error[X-VIDEO-DURATION]: 'clip.mp4' dura 200 segundos; X "
                "admite videos de hasta 140 segundos.") in result.output


class TestFacebook:
    def test_a_video_is_refused_for_facebook_by_name(self, config: Config,
                                                     write_post: WritePost) -> None:
        put(config, "clip.mp4", sample_mp4())
        (d,) = validate(config, write_post, "clip.mp4", "[facebook, twitter]").diagnostics
        assert d.code == "FB-MEDIA-TYPE" and d.is_error
        assert d.message == ("bmnsocial does not publish videos to Facebook yet: 'clip.mp4' "
                             "would not go out there.")


class TestPreview:
    def test_the_terminal_and_json_show_length_and_size(self, config: Config,
                                                        write_post: WritePost) -> None:
        put(config, "clip.mp4", sample_mp4(seconds=75.5, width=1280, height=720, rotation=90))
        write_post("v.yaml", "category: 9\ntext: hola\nplatforms: [twitter]\n"
                             "media: [{path: clip.mp4, alt: Visita}]\n")
        text = CliRunner().invoke(cli, ["preview", "posts/v.yaml"]).output
        assert "+ clip.mp4 (video/mp4, 4.0 KiB, 1:15.5, 720×1280, 30 fps, avc1)" in text
        out = CliRunner().invoke(cli, ["preview", "--json", "posts/v.yaml"]).output
        (media,) = json.loads(out)["posts"][0]["platforms"][0]["parts"][0]["media"]
        assert media["video"] == {"seconds": 75.5, "width": 720, "height": 1280,
                                  "rotation": 90, "fps": 30.0, "codec": "avc1",
                                  "audio": "mp4a"}


def test_the_sample_builder_writes_what_it_is_asked(tmp_path: Path) -> None:
    """The builder itself, against bytes written out by hand from ISO/IEC 14496-12."""
    data = sample_mp4(seconds=2, width=640, height=360)
    assert data[4:8] == b"ftyp" and index_of(data)[4:8] == b"moov"
    mvhd = data.index(b"mvhd") + 4
    assert struct.unpack(">II", data[mvhd + 12:mvhd + 20]) == (1000, 2000)
    tkhd = data.index(b"tkhd") + 4
    assert struct.unpack(">II", data[tkhd + 76:tkhd + 84]) == (640 << 16, 360 << 16)
