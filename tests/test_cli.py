from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.cli.root import COMMANDS, cli
from tests.helpers import NOW, REPO, WritePost, default_signals


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


class TestValidate:
    def test_valid_exits_0_with_summary(self, workspace: Path, write_post: WritePost) -> None:
        write_post("a.yaml", "category: 9\ntext: hola\n")
        code, out = run("validate")
        assert code == ExitCode.OK
        assert out.strip().splitlines()[-1] == (
            "1 file checked: 1 valid, 0 invalid; 0 errors, 0 warnings.")

    def test_invalid_exits_1_with_file_line_col(self, workspace: Path,
                                                write_post: WritePost) -> None:
        write_post("a.yaml", "category: 9\ntext: hola\nhastags: [x]\n")
        write_post("b.yaml", "category: 9\ntext: adiós\n")
        code, out = run("validate")
        assert code == ExitCode.INVALID
        lines = out.strip().splitlines()
        assert lines[0].startswith("posts/a.yaml:3:1: error[SCHEMA-UNKNOWN-KEY]: unknown key")
        assert lines[-1] == "2 files checked: 1 valid, 1 invalid; 1 error, 0 warnings."

    def test_warnings_do_not_fail(self, workspace: Path, write_post: WritePost) -> None:
        write_post("a.yaml", "category: invitar-comentarios\ntext: Comenten.\n")
        code, out = run("validate")
        assert code == ExitCode.OK
        assert "posts/a.yaml:2:1: warning[CATEGORY-SUGGESTS-QUESTION]" in out

    def test_json_format(self, workspace: Path, write_post: WritePost) -> None:
        write_post("a.yaml", "category: 99\ntext: hola\n")
        code, out = run("validate", "--format", "json")
        assert code == ExitCode.INVALID
        (d,) = json.loads(out)
        assert d == {"file": "posts/a.yaml", "line": 1, "column": 11, "severity": "error",
                     "code": "CATEGORY-UNKNOWN", "message": d["message"], "hint": d["hint"]}

    def test_explicit_paths(self, workspace: Path, write_post: WritePost) -> None:
        good = write_post("a.yaml", "category: 9\ntext: hola\n")
        write_post("b.yaml", "category: 99\n")
        assert run("validate", str(good))[0] == ExitCode.OK

    def test_usage_errors_exit_2(self, workspace: Path) -> None:
        assert run("validate", "does-not-exist.yaml")[0] == ExitCode.USAGE
        assert run("validate", "--format", "xml")[0] == ExitCode.USAGE


class TestPreview:
    def test_shows_each_platform_and_the_next_occurrences(self, workspace: Path,
                                                          write_post: WritePost) -> None:
        path = write_post("a.yaml", """
            category: 9
            text: Texto para Facebook.
            link: https://www.bmns.sld.cu/
            hashtags: [SaludCuba]
            twitter:
              thread: [Primer tuit, Segundo tuit]
            schedule: {cron: '0 9 * * mon', until: 2026-12-31}
        """)
        code, out = run("preview", str(path))
        assert code == ExitCode.OK
        assert "Monday    2026-11-30 09:00 (-05:00)" in out  # aligned with "Wednesday"
        assert "── Facebook ── 1 message" in out
        assert "│ Texto para Facebook.\n  │\n  │ #SaludCuba #BMNCuba" in out
        assert "link (shown as a preview card): https://www.bmns.sld.cu/" in out
        assert "thread of 2 tweets" in out
        assert "[1/2] 57/280 characters" in out  # 11 + 2 + 23 + 2 + 19
        assert ("│ Primer tuit\n  │\n  │ https://www.bmns.sld.cu/\n  │\n  │ #SaludCuba #BMNCuba"
                in out)

    def test_dry_run_equals_preview_and_touches_no_state(self, workspace: Path,
                                                        write_post: WritePost) -> None:
        path = write_post("a.yaml", "category: 9\ntext: hola\nschedule: {slot: next}\n")
        state = Path(os.environ["BMNSOCIAL_HOME"])
        preview = run("preview", str(path))
        dry = run("post", str(path), "--dry-run")
        assert preview == dry and preview[0] == ExitCode.OK
        assert not state.exists()

    def test_json(self, workspace: Path, write_post: WritePost) -> None:
        path = write_post("a.yaml", "category: 9\ntext: hola\nschedule: {at: 2026-12-01 09:00}\n")
        _, out = run("preview", "--json", str(path))
        data = json.loads(out)
        (p,) = data["posts"]
        assert p["occurrences"][0]["due"] == "2026-12-01T09:00:00-05:00"
        assert [x["platform"] for x in p["platforms"]] == ["facebook", "twitter"]
        assert p["platforms"][1]["parts"][0] == {"text": "hola\n\n#BMNCuba", "length": 14,
                                                 "limit": 280, "media": [],
                                                 "mentions": []}

    def test_invalid_post_exits_1(self, workspace: Path, write_post: WritePost) -> None:
        path = write_post("a.yaml", "category: 9\ntext: " + "x" * 300 + "\n")
        code, out = run("preview", str(path))
        assert code == ExitCode.INVALID
        assert "OVER THE LIMIT" in out and "error[X-LENGTH]" in out


def test_every_command_has_help() -> None:
    for name in COMMANDS:
        code, out = run(name, "--help")
        assert code == 0 and "Usage:" in out, name
        command = cli.get_command(None, name)  # type: ignore[arg-type]
        assert command is not None and command.help, name


def test_python_dash_m(workspace: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "bmnsocial", "categories", "--json"],
                          capture_output=True, text=True, check=False, preexec_fn=default_signals)
    assert proc.returncode == 0 and len(json.loads(proc.stdout)) == 17


def test_installed_console_script_validates_the_samples(tmp_path: Path) -> None:
    exe = shutil.which("bmnsocial", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("bmnsocial console script not installed beside this Python")
    env = {**os.environ, "BMNSOCIAL_NOW": NOW.isoformat(), "BMNSOCIAL_HOME": str(tmp_path)}
    proc = subprocess.run([exe, "validate"], cwd=REPO, capture_output=True, text=True,
                          env=env, check=False, preexec_fn=default_signals)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 invalid" in proc.stdout


def test_validate_json_alias(workspace: Path, write_post: WritePost) -> None:
    write_post("a.yaml", "category: 99\ntext: hola\n")
    assert run("validate", "--json") == run("validate", "--format", "json")
