"""The commands people run most start without loading the publishing stack."""

from __future__ import annotations

import subprocess
import sys

import pytest

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
