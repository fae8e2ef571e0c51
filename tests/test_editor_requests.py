"""Small things editors asked for (issue 14, item 8): `default_hashtags: false`, a warning for
two posts due in the same minute on one platform, and hints for curly quotes pasted from a
word processor."""

from __future__ import annotations

import pytest

from bmnsocial.config import Config
from bmnsocial.diagnostics import Diagnostic, Severity
from bmnsocial.posts import cronspec
from bmnsocial.render.validation import ValidationResult, validate_paths
from tests.helpers import NOW, WritePost


def check(config: Config) -> ValidationResult:
    return validate_paths([config.posts_dir], config, NOW)


def texts(result: ValidationResult) -> dict[str, str]:
    (checked,) = result.posts
    return {r.platform: r.parts[0].text for r in checked.rendered}


# --- default_hashtags ------------------------------------------------------------------------

def test_default_hashtags_false_leaves_out_the_configs_hashtags(config: Config,
                                                                write_post: WritePost) -> None:
    assert config.default_hashtags == ("BMNCuba",)
    write_post("a.yaml", "category: 9\ntext: Hola\nhashtags: [Salud]\n"
                         "default_hashtags: false\n")
    result = check(config)
    assert result.ok
    assert texts(result) == {"facebook": "Hola\n\n#Salud", "twitter": "Hola\n\n#Salud"}


def test_default_hashtags_per_platform(config: Config, write_post: WritePost) -> None:
    write_post("a.yaml", "category: 9\ntext: Hola\ndefault_hashtags: false\n"
                         "facebook:\n  default_hashtags: true\n")
    assert texts(check(config)) == {"facebook": "Hola\n\n#BMNCuba", "twitter": "Hola"}
    write_post("a.yaml", "category: 9\ntext: Hola\ntwitter:\n  default_hashtags: false\n")
    assert texts(check(config)) == {"facebook": "Hola\n\n#BMNCuba", "twitter": "Hola"}


def test_default_hashtags_must_be_true_or_false(config: Config, write_post: WritePost) -> None:
    write_post("a.yaml", "category: 9\ntext: Hola\ndefault_hashtags: nunca\n")
    (d,) = check(config).errors
    assert (d.code, d.line) == ("SCHEMA-TYPE", 3) and "true or false" in d.message


# --- the same minute -------------------------------------------------------------------------

def _same_minute(result: ValidationResult) -> list[Diagnostic]:
    return [d for d in result.diagnostics if d.code == "SCHED-SAME-MINUTE"]


def test_two_posts_in_the_same_minute_warn_naming_both_files(config: Config,
                                                            write_post: WritePost) -> None:
    write_post("a.yaml", "category: 9\ntext: Uno\nschedule: {at: 2027-01-14 09:00}\n")
    write_post("b.yaml", "category: 9\ntext: Dos\nschedule: {at: '2027-01-14 09:00:40'}\n")
    write_post("c.yaml", "category: 9\ntext: Tres\nschedule: {at: 2027-01-14 09:01}\n")
    result = check(config)
    assert result.ok
    (d,) = _same_minute(result)
    assert d.severity is Severity.WARNING and (d.file, d.line) == ("posts/b.yaml", 3)
    assert d.message == ("due in the same minute (2027-01-14 09:00) on Facebook, X (Twitter) "
                         "as posts/a.yaml.")
    # Times already past are history, not a crowd.
    for name in ("a", "b"):
        write_post(f"{name}.yaml", "category: 9\ntext: Uno\nschedule: {at: 2026-01-14 09:00}\n")
    assert _same_minute(check(config)) == []


def test_the_same_minute_on_other_platforms_is_fine(config: Config,
                                                    write_post: WritePost) -> None:
    write_post("a.yaml", "category: 9\ntext: Uno\nplatforms: [facebook]\n"
                         "schedule: {at: 2027-01-14 09:00}\n")
    write_post("b.yaml", "category: 9\ntext: Dos\nplatforms: [twitter]\n"
                         "schedule: {at: 2027-01-14T14:00Z}\n")  # 09:00 in Havana too
    assert _same_minute(check(config)) == []
    write_post("b.yaml", "category: 9\ntext: Dos\nschedule: {at: 2027-01-14T14:00Z}\n")
    (d,) = _same_minute(check(config))
    assert "on Facebook as posts/a.yaml" in d.message


def test_a_series_that_fires_in_a_posts_minute(config: Config, write_post: WritePost) -> None:
    write_post("boletin.yaml", "category: 9\ntext: Boletín\nschedule: {cron: '0 9 * * thu'}\n")
    write_post("evento.yaml", "category: 9\ntext: Evento\nschedule: {at: 2027-01-14 09:00}\n")
    (d,) = _same_minute(check(config))
    assert d.file == "posts/evento.yaml" and "as posts/boletin.yaml" in d.message
    # A series that ended before, or fires on another day, meets nobody.
    write_post("boletin.yaml", "category: 9\ntext: Boletín\n"
                               "schedule: {cron: '0 9 * * thu', until: 2027-01-13}\n")
    assert _same_minute(check(config)) == []
    write_post("boletin.yaml", "category: 9\ntext: Boletín\nschedule: {cron: '0 9 * * fri'}\n")
    assert _same_minute(check(config)) == []


@pytest.mark.parametrize(("schedule", "meets", "misses"), [
    # A day of the month, and a place in the month: the series may fire on the weekday and
    # time of the 14th (a Thursday) and of the 21st, but fires on one of them only.
    ("{cron: '0 9 14 * *'}", "2027-01-14 09:00", "2027-01-21 09:00"),
    ("{every: 'el segundo jueves de cada mes a las 9:00'}", "2027-01-14 09:00",
     "2027-01-21 09:00"),
    ("{cron: '*/30 8-10 * * thu'}", "2027-01-21 09:30", "2027-01-21 09:15"),
])
def test_a_series_meets_a_post_only_in_a_minute_it_fires(
        config: Config, write_post: WritePost, schedule: str, meets: str, misses: str) -> None:
    write_post("serie.yaml", f"category: 9\ntext: Serie\nschedule: {schedule}\n")
    write_post("evento.yaml", f"category: 9\ntext: Evento\nschedule: {{at: {meets}}}\n")
    (d,) = _same_minute(check(config))
    assert d.file == "posts/evento.yaml" and "as posts/serie.yaml" in d.message
    write_post("evento.yaml", f"category: 9\ntext: Evento\nschedule: {{at: {misses}}}\n")
    assert _same_minute(check(config)) == []


def test_two_series_that_meet_on_some_days(config: Config, write_post: WritePost) -> None:
    write_post("a.yaml", "category: 9\ntext: Uno\nschedule: {cron: '0 9 1 * *'}\n")
    write_post("b.yaml", "category: 9\ntext: Dos\nschedule: {cron: '0 9 * * mon'}\n")
    write_post("c.yaml", "category: 9\ntext: Tres\nschedule: {cron: '30 9 * * mon'}\n")
    (d,) = _same_minute(check(config))
    assert (d.file, d.line) == ("posts/b.yaml", 3)
    assert "in the same minute as posts/a.yaml, on some days" in d.message


@pytest.mark.parametrize(("a", "b", "meet"), [
    ("0 9 * * mon", "0 9 * * mon-fri", True),
    ("0 9 * * sat,sun", "0 9 * * mon-fri", False),
    ("0 9 1 * *", "0 9 2 * *", False),
    ("0 9 * 1 *", "0 9 * 2 *", False),
    ("0 9,13 * * *", "0 13 * * 0", True),
    ("*/15 * * * *", "5 9 * * *", False),
])
def test_series_that_may_meet(a: str, b: str, meet: bool) -> None:
    assert cronspec.may_coincide(cronspec.parse(a), cronspec.parse(b)) is meet


def test_many_posts_in_one_minute_are_counted_past_three(config: Config,
                                                         write_post: WritePost) -> None:
    for name in "abcde":
        write_post(f"{name}.yaml", f"category: 9\ntext: {name}\n"
                                   "schedule: {at: 2027-01-14 09:00}\n")
    last = [d for d in _same_minute(check(config)) if d.file == "posts/e.yaml"]
    assert last[0].message.endswith("as posts/a.yaml, posts/b.yaml, posts/c.yaml and 1 more.")


# --- curly quotes ----------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "shown"), [
    ("category: “9”", "category is in curly quotes"),
    ("category: «9»", "category is in curly quotes"),
    ("category: ‘9’", "category is in curly quotes"),
])
def test_a_value_in_curly_quotes_is_an_error_with_the_fix(config: Config, write_post: WritePost,
                                                          line: str, shown: str) -> None:
    write_post("a.yaml", f"{line}\ntext: Hola\n")
    (d,) = check(config).diagnostics  # said once: not also "no such category"
    assert (d.code, d.line, d.column) == ("YAML-CURLY-QUOTES", 1, 11)
    assert shown in d.message and d.hint == 'Remove them, or use straight quotes: "9".'


def test_a_schedule_in_curly_quotes(config: Config, write_post: WritePost) -> None:
    write_post("a.yaml", "category: 9\ntext: Hola\nschedule:\n  cron: ‘0 9 * * mon’\n")
    (d,) = check(config).errors
    assert (d.code, d.line) == ("YAML-CURLY-QUOTES", 4)
    assert d.hint == 'Remove them, or use straight quotes: "0 9 * * mon".'


def test_a_key_in_curly_quotes(config: Config, write_post: WritePost) -> None:
    write_post("a.yaml", "category: 9\n“text”: Hola\n")
    line_2 = [d for d in check(config).errors if d.line == 2]
    assert [d.code for d in line_2] == ["YAML-CURLY-QUOTES"]  # not also "unknown key"
    assert line_2[0].hint == "Write it without them: 'text:'."


def test_text_in_curly_quotes_warns_and_straight_quotes_keep_them(
        config: Config, write_post: WritePost) -> None:
    write_post("a.yaml", "category: 9\ntext: “Leer es crecer”\n")
    result = check(config)
    (d,) = result.warnings
    assert (d.code, d.line) == ("YAML-CURLY-QUOTES", 2) and "published" in d.message
    assert "'“Leer es crecer”'" in d.hint
    assert texts(result)["twitter"].startswith("“Leer es crecer”")
    write_post("a.yaml", "category: 9\ntext: '“Leer es crecer”'\n")
    assert check(config).diagnostics == []
    write_post("a.yaml", "category: 9\ntext: El libro «Cien años» llegó\n")  # inside: the text's
    assert check(config).diagnostics == []


def test_curly_quotes_that_break_the_yaml_get_the_hint(config: Config,
                                                       write_post: WritePost) -> None:
    write_post("a.yaml", "category: 9\ntext: “Horario: de 8 a 5”\n")
    (d,) = check(config).errors
    assert d.code == "YAML-SYNTAX" and "curly quotes" in d.hint and 'text: "…"' in d.hint


def test_curly_quotes_cut_by_a_comment_get_the_hint(config: Config,
                                                    write_post: WritePost) -> None:
    write_post("a.yaml", "category: 9\ntext: “Nuevo libro #lectura”\n")
    (d,) = check(config).errors
    assert d.code == "YAML-COMMENT-CUT" and "curly quotes" in d.hint


def test_curly_quotes_in_spanish(config: Config, write_post: WritePost,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from bmnsocial import i18n

    i18n.install("es")
    try:
        write_post("a.yaml", "category: “9”\ntext: Hola\n")
        (d,) = check(config).diagnostics
        assert "comillas" in d.message and "comillas" in d.hint
    finally:
        i18n.install("en")


def test_the_platforms_said_are_all_those_shared(config: Config, write_post: WritePost) -> None:
    """Only three files are named, but every platform met is said (and every post counted)."""
    for name in "abc":
        write_post(f"{name}.yaml", f"category: 9\ntext: {name}\nplatforms: [facebook]\n"
                                   "schedule: {at: 2027-01-14 09:00}\n")
    write_post("d.yaml", "category: 9\ntext: d\nplatforms: [twitter]\n"
                         "schedule: {at: 2027-01-14 09:00}\n")
    write_post("e.yaml", "category: 9\ntext: e\nschedule: {at: 2027-01-14 09:00}\n")
    (last,) = [d for d in _same_minute(check(config)) if d.file == "posts/e.yaml"]
    assert last.message == ("due in the same minute (2027-01-14 09:00) on Facebook, X (Twitter) "
                            "as posts/a.yaml, posts/b.yaml, posts/c.yaml and 1 more.")


def test_a_draft_is_no_crowd_in_its_minute(config: Config, write_post: WritePost) -> None:
    write_post("a.yaml", "category: 9\ntext: Uno\nschedule: {at: 2027-01-14 09:00}\n")
    write_post("b.yaml", "category: 9\ntext: Dos\ndraft: true\nschedule: {at: 2027-01-14 09:00}\n")
    assert _same_minute(check(config)) == []


def test_a_series_in_words_is_in_the_crowd_too(config: Config, write_post: WritePost) -> None:
    write_post("boletin.yaml", "category: 9\ntext: Boletín\n"
                               "schedule: {every: todos los jueves a las 09:00}\n")
    write_post("evento.yaml", "category: 9\ntext: Evento\nschedule: {at: 2027-01-14 09:00}\n")
    (d,) = _same_minute(check(config))
    assert d.file == "posts/evento.yaml" and "as posts/boletin.yaml" in d.message
    # Every other week from the week of 2027-01-04: not the week of the 14th.
    write_post("boletin.yaml", "category: 9\ntext: Boletín\nschedule:\n"
                               "  every: cada 2 semanas, el jueves a las 09:00\n"
                               "  start: 2027-01-04\n")
    assert _same_minute(check(config)) == []
    write_post("boletin.yaml", "category: 9\ntext: Boletín\n"
                               "schedule: {every: el primer jueves de cada mes a las 09:00}\n")
    assert _same_minute(check(config)) == []  # the 14th is the second Thursday


@pytest.mark.parametrize(("a", "b", "meet"), [
    ("{every: de lunes a viernes a las 09:00}", "{cron: '0 9 * * mon'}", True),
    ("{every: los sábados a las 10:00}", "{cron: '0 10 * * mon-fri'}", False),
    ("{every: every Monday at 09:00}", "{every: los lunes a las 09:00}", True),
    ("{every: every Monday at 09:00}", "{every: los lunes a las 09:30}", False),
])
def test_series_in_words_that_may_meet(config: Config, write_post: WritePost, a: str, b: str,
                                       meet: bool) -> None:
    write_post("a.yaml", f"category: 9\ntext: Uno\nschedule: {a}\n")
    write_post("b.yaml", f"category: 9\ntext: Dos\nschedule: {b}\n")
    found = _same_minute(check(config))
    assert [d.file for d in found] == (["posts/b.yaml"] if meet else [])
