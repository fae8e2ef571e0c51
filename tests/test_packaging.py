"""Packaging and installation: the license, the locks against pyproject.toml's ranges, and the
install commands that the README, the docs and CI show."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from packaging.licenses import canonicalize_license_expression
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.helpers import REPO

LOCKS = REPO / "requirements"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
INSTALL_RUNTIME = ("pip install -r requirements/runtime.lock && "
                   "pip install --no-deps --no-build-isolation .")
INSTALL_TEST = ("pip install -r requirements/test.lock && "
                "pip install --no-deps --no-build-isolation -e .")


def pyproject() -> dict[str, Any]:
    with (REPO / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)


def pins(lock: Path) -> dict[str, str]:
    """name -> version of every package in a lock; each must carry at least one hash."""
    found: dict[str, str] = {}
    text = lock.read_text(encoding="utf-8")
    for entry in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = PIN.match(entry)
        if match is None:
            continue
        assert "--hash=sha256:" in entry, f"{lock.name}: {match[1]} has no hash"
        found[canonicalize_name(match[1])] = match[2]
    return found


def shell_blocks(markdown: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", markdown, flags=re.DOTALL)


# -- license --------------------------------------------------------------------------------

def test_the_license_is_an_spdx_expression_with_its_files() -> None:
    project = pyproject()["project"]
    expression = project["license"]
    assert isinstance(expression, str), "license must be an SPDX expression, not a table"
    assert canonicalize_license_expression(expression) == expression
    for name in project["license-files"]:
        assert (REPO / name).is_file(), name
    mit = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert mit.startswith("MIT License\n") and "bmnsocial contributors" in mit
    assert "LICENSE" in project["license-files"]


# -- the locks ------------------------------------------------------------------------------

def test_the_locks_hold_every_requirement_at_a_version_in_its_range() -> None:
    data = pyproject()
    runtime = [Requirement(r) for r in data["project"]["dependencies"]
               + data["build-system"]["requires"]]
    test = [Requirement(r) for r in data["project"]["optional-dependencies"]["test"]]
    for lock, requirements in (("runtime.lock", runtime), ("test.lock", runtime + test)):
        pinned = pins(LOCKS / lock)
        for requirement in requirements:
            name = canonicalize_name(requirement.name)
            assert name in pinned, f"{lock} lacks {name}: run scripts/lock"
            assert requirement.specifier.contains(pinned[name], prereleases=True), (
                f"{lock}: {name}=={pinned[name]} is outside {requirement.specifier}: "
                "run scripts/lock")


def test_the_server_runs_the_versions_that_the_tests_ran() -> None:
    runtime, test = pins(LOCKS / "runtime.lock"), pins(LOCKS / "test.lock")
    assert runtime and set(runtime) <= set(test)
    assert {name: test[name] for name in runtime} == runtime


# -- the install commands -------------------------------------------------------------------

def test_the_quick_start_installs_from_the_locks_and_ci_runs_its_second_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    first, second = (block.strip() for block in shell_blocks(quick_start))
    assert first == ("python3 -m venv .venv && . .venv/bin/activate && " + INSTALL_RUNTIME
                     + " && bmnsocial --sandbox post posts/ --now --yes")
    assert second == ("python3 -m venv .venv && . .venv/bin/activate && " + INSTALL_TEST
                      + " && python -m pytest")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert second in ci.splitlines()
    assert "--upgrade pip" not in ci
    spanish = (REPO / "docs" / "es" / "README.md").read_text(encoding="utf-8")
    assert first in [block.strip() for block in shell_blocks(spanish)]


def test_every_documented_install_uses_a_lock() -> None:
    documents = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md")),
                 *sorted(p for p in (REPO / "deploy").rglob("*") if p.is_file())]
    installs = 0
    for document in documents:
        for block in shell_blocks(document.read_text(encoding="utf-8")):
            for command in re.split(r"&&|\n", block):
                if "pip install" not in command:
                    continue
                installs += 1
                assert (" -r requirements/runtime.lock" in command
                        or " -r requirements/test.lock" in command
                        or "--no-deps --no-build-isolation" in command), (
                    f"{document.relative_to(REPO)}: {command.strip()!r} installs without a lock")
    assert installs >= 6  # README (4), docs/deploy.md (2), docs/es/README.md (2)
    deploy = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert ".venv/bin/pip install -r requirements/runtime.lock" in deploy
