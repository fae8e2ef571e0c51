"""The commands people run most start without loading the publishing stack."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bmnsocial.cli.root import COMMANDS
from tests.helpers import NOW, REPO, default_signals

HEAVY = ("tweepy", "facebook", "apscheduler", "sqlalchemy", "requests")
PROBE = """
import sys
from bmnsocial.cli.main import main
try:
    main({args!r})
except SystemExit:
    pass
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
print("HEAVY:" + ",".join(heavy))
"""


@pytest.mark.parametrize("args", [["--help"], ["validate"], ["categories"]])
def test_light_commands_import_no_platform_library(args: list[str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = PROBE.format(args=args, heavy=set(HEAVY))
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, env={"BMNSOCIAL_NOW": NOW.isoformat(),
                                          "BMNSOCIAL_HOME": str(tmp_path), "PATH": ""},
                          check=False, preexec_fn=default_signals)
    assert "HEAVY:\n" in proc.stdout, proc.stdout + proc.stderr


MODULES = """
import sys
from bmnsocial.cli.main import main
try:
    main({args!r})
except SystemExit:
    pass
print("MODULES:" + ",".join(sorted(m for m in sys.modules
                                   if m.split(".")[0] in ("bmnsocial", "yaml", "logging"))))
"""


def _modules(args: list[str], tmp_path) -> set[str]:  # type: ignore[no-untyped-def]
    proc = subprocess.run([sys.executable, "-c", MODULES.format(args=args)], cwd=REPO,
                          capture_output=True, text=True, env={"BMNSOCIAL_HOME": str(tmp_path),
                                                                 "PATH": ""}, check=False,
                          preexec_fn=default_signals)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("MODULES:")]
    assert lines, proc.stdout + proc.stderr
    return set(lines[0].removeprefix("MODULES:").split(","))


@pytest.mark.parametrize("args", [["--help"], ["--lang", "es", "--help"], ["-h"]])
def test_help_lists_the_commands_without_importing_them(args: list[str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The listing's one-line helps come from the registry (bmnsocial.cli.root.HELP): no
    # command module, no configuration, YAML, ledger or logging before a command runs.
    assert _modules(args, tmp_path) == {"bmnsocial", "bmnsocial.i18n", "bmnsocial.cli",
                                        "bmnsocial.cli.main", "bmnsocial.cli.root",
                                        "bmnsocial.cli.exitcodes", "bmnsocial.errors"}


@pytest.mark.parametrize("command", ["validate", "categories", "config"])
def test_a_command_imports_no_other_command_module(command: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shared = {"bmnsocial.cli", "bmnsocial.cli.main", "bmnsocial.cli.root",
              "bmnsocial.cli.exitcodes", "bmnsocial.cli.common", "bmnsocial.cli.logsetup"}
    target = COMMANDS[command].partition(":")[0]
    for args in ([command, "--help"], [command]):
        cli_modules = {m for m in _modules(args, tmp_path) if m.startswith("bmnsocial.cli.")}
        assert cli_modules - shared == {target}, args
