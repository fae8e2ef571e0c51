"""click's own messages in Spanish: each click message that bmnsocial translates (listed in
bmnsocial/cli/i18n_click.py) is provoked here at run time with Spanish chosen, and must come out in
Spanish. If click looked a message up under another msgid than ours, it would come out in
English and fail here; how any tool reads click's source plays no part.

Where a person meets the message in bmnsocial, the real command line runs (``--lang es``);
the others are provoked in a small click command, with Spanish installed as ``--lang es``
installs it."""

from __future__ import annotations

import gettext
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from babel.messages.mofile import read_mo
from click.testing import CliRunner

from bmnsocial import i18n
from scripts.i18n import extract, mo_path
from tests.helpers import default_signals

# A msgid, or a plural message as (singular, plural, n): n picks the form provoked.
Key = str | tuple[str, str, int]

SPANISH = gettext.translation(i18n.DOMAIN, i18n.LOCALE_DIR, languages=["es"])
with mo_path("es").open("rb") as _shipped:
    SHIPPED = read_mo(_shipped)  # the same catalog, to tell a missing message from one kept
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([^)]*\)[sd]")


def spanish(key: Key) -> str:
    message = SHIPPED.get(key if isinstance(key, str) else key[0])
    assert message is not None and message.string, f"{key!r} is not in the Spanish catalog"
    if isinstance(key, str):
        return SPANISH.gettext(key)
    return SPANISH.ngettext(*key)


def fixed_words(key: Key) -> list[str]:
    """The parts of the Spanish translation that no value fills in, as they must show up."""
    return [flat(part) for part in PLACEHOLDER.split(spanish(key)) if part.strip()]


def flat(text: str) -> str:
    """Ignores line wrapping and case (click capitalizes 'archivo' in 'Archivo …')."""
    return " ".join(text.split()).casefold()


def listed() -> set[Key]:
    """The click messages in our catalog: those marked in bmnsocial/cli/i18n_click.py; both forms
    of each plural."""
    keys: set[Key] = set()
    for message in extract():
        if not any(path == "bmnsocial/cli/i18n_click.py" for path, _line in message.locations):
            continue
        if isinstance(message.id, str):
            keys.add(message.id)
        else:
            singular, plural = message.id
            keys |= {(singular, plural, 1), (singular, plural, 2)}
    return keys


# -- the real command line ------------------------------------------------------------------

# (arguments after `bmnsocial --lang es`, the click messages that the run must show)
CLI_RUNS: list[tuple[list[str], list[Key]]] = [
    (["--help"], ["Usage:", "Options", "Commands", "Show this message and exit.",
                  "Show the version and exit.", "env var: {var}"]),
    (["history", "--help"], ["default: {default}"]),
    (["--version"], ["%(prog)s, version %(version)s"]),
    (["--sandbox"], ["Missing command."]),
    (["nosuch"], ["No such command {name!r}.", "Error: {message}",
                  "Try '{command} {option}' for help."]),
    (["validate", "--bogus"], ["No such option {name!r}."]),
    (["validate", "--forma"], [("Did you mean {possibility}?",
                                "(Did you mean one of: {possibilities}?)", 1)]),
    (["post", "--plat", "a.yaml"], [("Did you mean {possibility}?",
                                     "(Did you mean one of: {possibilities}?)", 2)]),
    (["validate", "--format"], [("Option {name!r} requires an argument.",
                                 "Option {name!r} requires {nargs} arguments.", 1)]),
    (["validate", "--json=1"], ["Option {name!r} does not take a value."]),
    (["validate", "--format", "xml"], [("{value!r} is not {choice}.",
                                        "{value!r} is not one of {choices}.", 2)]),
    (["categories", "extra"], [("Got unexpected extra argument ({args})",
                                "Got unexpected extra arguments ({args})", 1)]),
    (["categories", "extra", "more"], [("Got unexpected extra argument ({args})",
                                        "Got unexpected extra arguments ({args})", 2)]),
    (["history", "--limit", "x"], ["{value!r} is not a valid {number_type}.",
                                   "Invalid value for {param_hint}: {message}"]),
    (["history", "--limit", "0"], ["{value} is not in the range {range}."]),
    (["post", "--now"], ["Missing argument"]),
    (["post", "--now", "missing.yaml"], ["{name} {filename!r} does not exist.", "path"]),
    (["preview", "--html", "folder", "a.yaml"], ["{name} {filename!r} is a directory.",
                                                  "file"]),
]


def run_cli(args: list[str], cwd: Path) -> str:
    environ = {k: v for k, v in os.environ.items()
               if k not in ("BMNSOCIAL_LANG", "LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    proc = subprocess.run([sys.executable, "-m", "bmnsocial", "--lang", "es", *args],
                          cwd=cwd, env=environ, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, check=False, timeout=120, preexec_fn=default_signals)
    return proc.stdout + proc.stderr


@pytest.mark.parametrize(("args", "keys"), CLI_RUNS, ids=[" ".join(a) for a, _k in CLI_RUNS])
def test_the_command_line_shows_clicks_messages_in_spanish(
        args: list[str], keys: list[Key], tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("category: 1\n", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    shown = flat(run_cli(args, tmp_path))
    for key in keys:
        missing = [words for words in fixed_words(key) if words not in shown]
        assert not missing, f"{key!r} is not in Spanish ({missing} missing):\n{shown}"


# -- click messages that bmnsocial's commands do not reach ----------------------------------

Scenario = Callable[[Path, pytest.MonkeyPatch], str]
SCENARIOS: list[tuple[list[Key], Scenario]] = []


def provokes(*keys: Key) -> Callable[[Scenario], Scenario]:
    def register(scenario: Scenario) -> Scenario:
        SCENARIOS.append((list(keys), scenario))
        return scenario
    return register


def invoke(command: click.Command, args: list[str], answers: str | None = None) -> str:
    result = CliRunner().invoke(command, args, input=answers, prog_name="demo")
    return result.output


def command(*params: Callable[[click.Command], click.Command],
            body: Callable[[], None] = lambda: None) -> click.Command:
    """A command made after Spanish is installed (click takes some texts when it is made)."""
    cmd = click.command()(lambda **_values: body())
    for param in params:
        cmd = param(cmd)
    return cmd


@provokes("Positional arguments", "required", "(dynamic)")
def _help_with_argument_help(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return invoke(command(click.argument("name", help="The name."),
                          click.option("--x", required=True, help="X."),
                          click.option("--y", default=lambda: 1, show_default=True,
                                       help="Y.")), ["--help"])


@provokes("Invalid value: {message}")
def _bad_parameter_without_a_parameter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    def fail() -> None:
        raise click.BadParameter("mal")
    return invoke(command(body=fail), [])


@provokes("Missing option", "Choose from:\n\t{choices}")
def _missing_choice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return invoke(command(click.option("--c", required=True, type=click.Choice(["a", "b"]))),
                  [])


@provokes("Missing parameter")
def _missing_parameter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    def fail() -> None:
        raise click.MissingParameter(param_type="parameter")
    return invoke(command(body=fail), [])


@provokes("Missing {param_type}")
def _missing_other(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    def fail() -> None:
        raise click.MissingParameter(param_type="cosa")
    return invoke(command(body=fail), [])


@provokes("Missing parameter: {param_name}")
def _missing_parameter_as_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return str(click.MissingParameter(param=click.Option(["--nombre"])))


@provokes("Argument {name!r} takes {nargs} values.")
def _argument_short_of_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return invoke(command(click.argument("pair", nargs=2)), ["1"])


@provokes(("Option {name!r} requires an argument.",
           "Option {name!r} requires {nargs} arguments.", 2))
def _option_short_of_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return invoke(command(click.option("--pair", nargs=2)), ["--pair", "1"])


@provokes("{value!r} is not a valid boolean. Recognized values: {states}")
def _not_a_boolean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return invoke(command(click.option("--b", type=bool)), ["--b", "quizas"])


@provokes(("{value!r} is not {choice}.", "{value!r} is not one of {choices}.", 1))
def _not_the_only_choice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return invoke(command(click.option("--c", type=click.Choice(["a"]))), ["--c", "z"])


@provokes(("{value!r} does not match the format {format}.",
           "{value!r} does not match the formats {formats}.", 1))
def _not_the_date_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return invoke(command(click.option("--d", type=click.DateTime(["%Y"]))), ["--d", "z"])


@provokes(("{value!r} does not match the format {format}.",
           "{value!r} does not match the formats {formats}.", 2))
def _none_of_the_date_formats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return invoke(command(click.option("--d", type=click.DateTime())), ["--d", "z"])


@provokes("{name} {filename!r} is a file.", "directory")
def _a_file_for_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "a.txt").write_text("", encoding="utf-8")
    return invoke(command(click.option("--d", type=click.Path(file_okay=False))),
                  ["--d", str(tmp_path / "a.txt")])


def _denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, checked: click.Path) -> str:
    # The suite may run as root, whom the file system lets read and write anything.
    monkeypatch.setattr(os, "access", lambda *_args, **_kwargs: False)
    (tmp_path / "a.txt").write_text("", encoding="utf-8")
    return invoke(command(click.option("--f", type=checked)), ["--f", str(tmp_path / "a.txt")])


@provokes("{name} {filename!r} is not readable.")
def _not_readable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return _denied(tmp_path, monkeypatch, click.Path(readable=True))


@provokes("{name} {filename!r} is not writable.")
def _not_writable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return _denied(tmp_path, monkeypatch, click.Path(readable=False, writable=True))


@provokes("{name} {filename!r} is not executable.")
def _not_executable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return _denied(tmp_path, monkeypatch, click.Path(readable=False, executable=True))


@provokes("Could not open file {filename!r}: {message}", "unknown error")
def _file_error_without_a_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    def fail() -> None:
        raise click.FileError("datos.csv")
    return invoke(command(body=fail), [])


@provokes("Value must be an iterable.")
def _not_iterable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return invoke(command(click.option("--pair", nargs=2, default=5)), [])


@provokes(("Takes {nargs} values but 1 was given.",
           "Takes {nargs} values but {len} were given.", 1))
def _one_value_for_two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return invoke(command(click.option("--pair", nargs=2, default=[1])), [])


@provokes(("Takes {nargs} values but 1 was given.",
           "Takes {nargs} values but {len} were given.", 3))
def _three_values_for_two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return invoke(command(click.option("--pair", nargs=2, default=[1, 2, 3])), [])


@provokes(("{len_type} values are required, but {len_value} was given.",
           "{len_type} values are required, but {len_value} were given.", 1))
def _tuple_given_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return str(click.Tuple([int, int]).convert(["1"], None, None))


@provokes(("{len_type} values are required, but {len_value} was given.",
           "{len_type} values are required, but {len_value} were given.", 3))
def _tuple_given_three(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return str(click.Tuple([int, int]).convert(["1", "2", "3"], None, None))


@provokes("Aborted!")
def _prompt_at_end_of_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    def ask() -> None:
        click.prompt("Nombre")
    return invoke(command(body=ask), [], answers="")


@provokes("Do you want to continue?", "Confirm the action without prompting.",
          "Error: invalid input")
def _confirmation_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    confirmed = command(click.confirmation_option())
    return (invoke(confirmed, ["--help"])
            + invoke(confirmed, [], answers="quizas\nn\n"))


@provokes("Repeat for confirmation", "Error: The two entered values do not match.")
def _prompt_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    def ask() -> None:
        click.prompt("Clave", confirmation_prompt=True)
    return invoke(command(body=ask), [], answers="a\nb\nc\nc\n")


@pytest.fixture
def spanish_click(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LANGUAGE", "es")  # install sets it; monkeypatch puts it back after
    i18n.install("es")
    try:
        yield
    finally:
        i18n.install("en")


@pytest.mark.parametrize(("keys", "scenario"), SCENARIOS,
                         ids=[s.__name__.strip("_") for _k, s in SCENARIOS])
@pytest.mark.usefixtures("spanish_click")
def test_click_shows_its_other_messages_in_spanish(
        keys: list[Key], scenario: Scenario, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        shown = flat(scenario(tmp_path, monkeypatch))
    except click.ClickException as exc:  # raised outside a command: what it says
        shown = flat(exc.format_message())
    for key in keys:
        missing = [words for words in fixed_words(key) if words not in shown]
        assert not missing, f"{key!r} is not in Spanish ({missing} missing):\n{shown}"


def form(key: Key) -> Key:
    """A plural message with the n that picks its form in English and Spanish (1 or 2)."""
    return key if isinstance(key, str) else (key[0], key[1], 1 if key[2] == 1 else 2)


def test_every_listed_click_message_is_provoked() -> None:
    provoked = {form(key) for _args, keys in CLI_RUNS for key in keys}
    provoked |= {form(key) for keys, _scenario in SCENARIOS for key in keys}
    assert len(provoked) > 50
    assert listed() == provoked
