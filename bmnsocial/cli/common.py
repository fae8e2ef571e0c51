"""What every command shares: the loaded configuration, options, and error-to-exit mapping."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

import click

from bmnsocial.config import (
    Config,
    find_config_path,
    load_config,
    platform_name,
)
from bmnsocial.errors import UsageError
from bmnsocial.i18n import _
from bmnsocial.terminal import json_visible
from bmnsocial.timeutil import now

if TYPE_CHECKING:
    from bmnsocial.publish.connections import Connections
    from bmnsocial.publish.runtime import Runtime

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class AppContext:
    config_path: str | None = None
    sandbox: bool = False
    _config: Config | None = field(default=None, repr=False)
    _runtime: Runtime | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(find_config_path(self.config_path))
        return self._config

    def connections(self) -> Connections:
        """The edge is where ``--sandbox`` is wired in: the library never imports it."""
        from bmnsocial.publish.connections import PlatformConnections

        if not self.sandbox:
            return PlatformConnections()
        from bmnsocial.sandbox.connections import SandboxConnections

        return SandboxConnections(self.config)

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            from bmnsocial.publish.runtime import Runtime

            self._runtime = Runtime(self.config, self.connections())
        return self._runtime

    def close(self) -> None:
        if self._runtime is not None:
            self._runtime.close()
            self._runtime = None

    def now(self) -> datetime:
        return now(self.config.timezone)

    @property
    def ledger_path(self) -> Path:
        return self.connections().state_dir(self.config.state_dir) / "ledger.sqlite3"

    @staticmethod
    def ledger_expected(path: Path) -> bool:
        """A ledger is there, or was (its marker, publish.ledger.MARKER, says so: reading it
        then says it is missing); without either, no sqlite3 to import (a fresh checkout)."""
        return path.exists() or path.with_name("ledger.expected").exists()

    def x_published(self) -> dict[str, datetime]:
        """Post id -> when it last went out on X, read-only (duplicate checks); no sqlite3 to
        import when there is no ledger (a fresh checkout in CI)."""
        path = self.ledger_path
        if not self.ledger_expected(path):
            return {}
        from bmnsocial.publish.ledger import x_published_in

        return x_published_in(path)

    def owners(self) -> dict[str, str]:
        """Post id -> the file the ledger holds it from, read-only (duplicate ids)."""
        path = self.ledger_path
        if not self.ledger_expected(path):
            return {}
        from bmnsocial.publish.ledger import owners_in

        return owners_in(path)

    def known_posts(self) -> set[str]:
        """Post ids the ledger already has, read-only (validate and preview touch no state)."""
        path = self.ledger_path
        if not self.ledger_expected(path):  # e.g. validating a fresh checkout in CI
            return set()
        from bmnsocial.publish.ledger import post_ids_in

        return post_ids_in(path)


pass_app = click.make_pass_decorator(AppContext)


class PlatformChoice(click.Choice):  # type: ignore[type-arg]
    """A platform by its name or another name people use for it (``x``), given back as the
    platform's own name, the one every JSON output uses."""

    def __init__(self) -> None:
        from bmnsocial.platforms import registry

        super().__init__([*registry.names(), *registry.aliases()], case_sensitive=False)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        return platform_name(str(super().convert(value, param, ctx)))


json_option = click.option("--json", "as_json", is_flag=True,
                           help=_("Print machine-readable JSON instead of text."))


def echo_json(data: Any) -> None:
    click.echo(json_visible(json.dumps(data, ensure_ascii=False, indent=2)))


def default_paths(app: AppContext, paths: tuple[str, ...]) -> list[Path]:
    if paths:
        return [Path(p) for p in paths]
    folder = app.config.posts_dir
    if not folder.is_dir():
        raise UsageError(_("the posts folder {folder} does not exist: check posts_dir in {config} "
                           "(or run bmnsocial from the folder that holds config.yaml).").format(
                               folder=folder, config=app.config.source))
    return [folder]


def stdout_is_tty() -> bool:
    return sys.stdout.isatty()


PROGRESS_MIN_FILES = 200


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr for long work, only on a terminal (never in logs or pipes)."""
    if not sys.stderr.isatty():
        yield None
        return
    bar: Any = None

    def step(done: int, total: int) -> None:
        nonlocal bar
        if total < PROGRESS_MIN_FILES:
            return
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        bar.update(1)

    try:
        yield step
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


YES_ANSWERS = ("y", "yes", "s", "si", "sí")


def confirm(question: str) -> bool:
    """A yes/no question on the terminal that takes the answer in Spanish or English."""
    choices = _("[y/N]")
    answer = click.prompt(f"{question} {choices}", default="", show_default=False,
                          prompt_suffix=" ")
    return answer.strip().casefold() in YES_ANSWERS


def parse_day(text: str, tz: ZoneInfo, option: str) -> date:
    """A day given on the command line (YYYY-MM-DD), or a date and time (its day in the
    config's zone when it has an offset)."""
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(_("{option} {value} is not a date; write it like 2027-01-14.").format(
            option=option, value=repr(text))) from None
    return (moment.astimezone(tz) if moment.tzinfo else moment).date()
