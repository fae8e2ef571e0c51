"""Recurrence in words (``schedule: every:``): read in Spanish or English, planned by the same
planner as cron, shown back in words, and the usual slips answered with the phrase written
right."""

from __future__ import annotations

import json
import os
import time as clock
from datetime import datetime, time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from bmnsocial import i18n
from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.cli.root import cli
from bmnsocial.config import Config
from bmnsocial.posts import recurrence
from bmnsocial.posts.model import Post
from bmnsocial.publish.ledger import Ledger, Status
from bmnsocial.render.validation import validate_paths
from bmnsocial.schedule.planning import occurrences
from bmnsocial.schedule.queueing import occurrence_time
from bmnsocial.schedule.sync import SETTLE_SECONDS, sync
from tests.helpers import HAVANA, NOW, WritePost
from tests.sitehelp import served


def load(config: Config, write_post: WritePost, schedule: str) -> Post:
    write_post("p.yaml", f"category: 9\ntext: hola\nplatforms: [facebook]\nschedule: {schedule}\n")
    result = validate_paths([config.posts_dir], config, NOW)
    assert result.ok, [d.format() for d in result.diagnostics]
    return result.posts[0].post


def problems(config: Config, write_post: WritePost, schedule: str) -> list[tuple[str, str, str]]:
    write_post("p.yaml", f"category: 9\ntext: hola\nplatforms: [facebook]\nschedule: {schedule}\n")
    result = validate_paths([config.posts_dir], config, NOW)
    return [(d.code, d.message, d.hint) for d in result.diagnostics if d.is_error]


def local(o: datetime) -> str:
    return o.astimezone(HAVANA).strftime("%a %Y-%m-%d %H:%M %z")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.mark.parametrize(("written", "spanish", "english"), [
    ("lunes a las 9:00", "cada lunes a las 09:00", "every Monday at 09:00"),
    ("Monday and Thursday at 09:30", "cada lunes y jueves a las 09:30",
     "every Monday and Thursday at 09:30"),
    ("los martes y viernes a las 10:00 y 16:30", "cada martes y viernes a las 10:00 y 16:30",
     "every Tuesday and Friday at 10:00 and 16:30"),
    ("de lunes a viernes a las 8:00", "de lunes a viernes a las 08:00", "every weekday at 08:00"),
    ("días laborables a las 8:00", "de lunes a viernes a las 08:00", "every weekday at 08:00"),
    ("every weekday at 8:00", "de lunes a viernes a las 08:00", "every weekday at 08:00"),
    ("todos los días a las 7:15", "todos los días a las 07:15", "every day at 07:15"),
    ("cada 2 semanas, el martes a las 10:00", "cada 2 semanas, el martes a las 10:00",
     "every 2 weeks on Tuesday at 10:00"),
    ("every other week on Wednesday at 11:00", "cada 2 semanas, el miércoles a las 11:00",
     "every 2 weeks on Wednesday at 11:00"),
    ("el primer lunes de cada mes a las 10:00", "el primer lunes de cada mes a las 10:00",
     "the first Monday of every month at 10:00"),
    ("last Friday of the month at 17:00", "el último viernes de cada mes a las 17:00",
     "the last Friday of every month at 17:00"),
    ("primer y tercer miércoles del mes a las 11:00",
     "el primer y tercer miércoles de cada mes a las 11:00",
     "the first and third Wednesday of every month at 11:00"),
    ("lunes a las 9:00 y viernes a las 13:00", "cada lunes a las 09:00; cada viernes a las 13:00",
     "every Monday at 09:00; every Friday at 13:00"),
    ("sabado y domingo a las 10:00", "cada sábado y domingo a las 10:00",
     "every Saturday and Sunday at 10:00"),
    ("a las 9:00, de lunes a viernes", "de lunes a viernes a las 09:00",
     "every weekday at 09:00"),
    ("at 10:00 on the first Monday of the month", "el primer lunes de cada mes a las 10:00",
     "the first Monday of every month at 10:00"),
])
def test_phrases_read_in_either_language_and_said_back_in_both(written: str, spanish: str,
                                                                english: str) -> None:
    read = recurrence.parse(written)
    assert (read.phrase("es"), read.phrase("en")) == (spanish, english)
    # What preview shows is itself a phrase that means the same.
    for said in (spanish, english, read.value("en")):
        again = recurrence.parse(said)
        assert (again.rules, again.every_weeks) == (read.rules, read.every_weeks)


@pytest.mark.parametrize(("written", "message", "fixed"), [
    ("sat-sun at 10:00", "'sat-sun' is not how days are joined here",
     "Saturday and Sunday at 10:00"),
    ("sab,dom a las 10:00", "'sab' is a short day name", "cada sábado y domingo a las 10:00"),
    ("lunes-viernes a las 9:00", "'lunes-viernes' is not how days are joined here",
     "de lunes a viernes a las 09:00"),
    ("lunes y friday a las 9:00", "'friday' is English in a Spanish phrase",
     "cada lunes y viernes a las 09:00"),
    ("Monday at 9am", "'9am' is a 12-hour time: write it as 09:00", "Monday at 09:00"),
    ("miércoles a las 6 p.m.", "'6 p.m.' is a 12-hour time: write it as 18:00",
     "cada miércoles a las 18:00"),
    ("lunes a las 9.30", "'9.30' is not written as a time: write 09:30",
     "cada lunes a las 09:30"),
])
def test_common_slips_are_refused_with_the_phrase_written_right(written: str, message: str,
                                                                fixed: str) -> None:
    with pytest.raises(recurrence.RecurrenceError) as caught:
        recurrence.parse(written)
    assert str(caught.value).startswith(message)
    assert caught.value.phrase == fixed
    recurrence.parse(fixed)


@pytest.mark.parametrize(("written", "message", "hint"), [
    ("lunes a las 9", "'9' is an hour without minutes", "09:00 or 21:00"),
    ("fin de semana a las 10:00", "could mean Saturday, Sunday or both", "sábado y domingo"),
    ("lunes", "does not say at what time", "a las 09:00"),
    ("lunes a las 9:00 y viernes", "does not say at what time", "a las 09:00"),
    ("a las 9:00", "does not say on which days", "todos los días"),
    ("primer día laborable del mes a las 9:00", "is not one day", "0 10 1 * *"),
    ("primer lunes a las 9:00", "needs 'of the month'", "de cada mes"),
    ("lunes del mes a las 9:00", "which one of the month", "primer lunes"),
    ("cada 2 semanas, el primer lunes del mes a las 9:00", "do not go together", "Keep one"),
    ("mañana a las 9:00", "'mañana' is not a word", "lunes y jueves a las 09:30"),
    ("el día 15 de cada mes a las 9:00", "by its number is written with cron",
     "cron: '0 9 15 * *'"),
    ("lunes a las 25:00", "'25:00' is not a time of day", "24-hour"),
    ("cada 60 semanas, el lunes a las 9:00", "from 1 to 52", "1 to 52"),
    ("lunes a las 9:00 hasta 2027-06-30", "dates do not go in the phrase", "'until:'"),
    ("lunes a las 9:00 hasta el 30 de junio", "dates do not go in the phrase", "'start:'"),
])
def test_what_cannot_be_read_says_why_and_how(written: str, message: str, hint: str) -> None:
    with pytest.raises(recurrence.RecurrenceError) as caught:
        recurrence.parse(written)
    assert message in str(caught.value) and hint in caught.value.hint
    assert caught.value.phrase is None


def test_a_slip_in_a_post_file_is_an_error_with_the_fix(config: Config,
                                                        write_post: WritePost) -> None:
    assert problems(config, write_post, "{every: 'sab,dom a las 10:00'}") == [(
        "SCHED-EVERY", "'sab,dom a las 10:00': 'sab' is a short day name: write the day in "
        "full.", "Write: every: 'cada sábado y domingo a las 10:00'.")]
    i18n.install("es")
    ((code, message, hint),) = problems(config, write_post, "{every: 'sat-sun at 10:00'}")
    assert code == "SCHED-EVERY"
    assert message.startswith("'sat-sun at 10:00': 'sat-sun' no es")
    assert hint == "Escriba: every: 'Saturday and Sunday at 10:00'."


def test_every_and_its_bounds_are_checked_like_cron(config: Config,
                                                    write_post: WritePost) -> None:
    assert [c for c, _m, _h in problems(
        config, write_post, "{every: 'lunes a las 9:00', cron: '0 9 * * mon'}")] == ["SCHED-KIND"]
    assert [c for c, _m, _h in problems(
        config, write_post, "{every: 'cada 2 semanas, el lunes a las 9:00'}")] == [
        "SCHED-EVERY-START"]
    assert [c for c, _m, _h in problems(
        config, write_post, "{every: 'lunes a las 9:00', count: 3}")] == ["SCHED-COUNT-START"]
    times = ", ".join(f"{h:02d}:00 y {h:02d}:30" for h in range(13))
    assert [c for c, _m, _h in problems(
        config, write_post, f"{{every: 'todos los días a las {times}'}}")] == [
        "SCHED-TOO-OFTEN"]
    post = load(config, write_post, "{every: 'lunes a las 9:00', start: 2027-01-04, count: 3, "
                                    "misfire: skip}")
    assert (post.schedule.kind, post.schedule.misfire, post.schedule.recurring) == (
        "every", "skip", True)
    assert len(occurrences(post, config, NOW)) == 3


def test_cron_slips_get_the_expression_written_right_and_the_words(
        config: Config, write_post: WritePost) -> None:
    ((code, message, hint),) = problems(config, write_post, "{cron: '0 10 * * sab,dom'}")
    assert code == "SCHED-CRON" and "'sab' is not valid" in message
    assert hint.startswith("Write '0 10 * * sat,sun': cron takes English day names")
    assert hint.endswith("every: 'Saturday and Sunday at 10:00'.")
    ((code, message, hint),) = problems(config, write_post, "{cron: '0 10 * * sat-sun'}")
    assert "goes backwards" in message and "'0 10 * * sat,sun'" in hint
    ((code, message, hint),) = problems(config, write_post, "{cron: '0 9 1-7 * tue'}")
    assert "not both" in message
    assert hint == ("In cron, days 1-7 together with a weekday mean either one, not that "
                    "weekday's place in the month. In words: every: 'the first Tuesday of every "
                    "month at 09:00'.")
    i18n.install("es")
    ((code, message, hint),) = problems(config, write_post, "{cron: '0 9 * * lunes-viernes'}")
    assert "'0 9 * * mon-fri'" in hint and "every: 'de lunes a viernes a las 09:00'" in hint


def test_words_and_cron_plan_the_same_occurrences(config: Config,
                                                  write_post: WritePost) -> None:
    for words, cron in (("lunes y jueves a las 9:30", "30 9 * * mon,thu"),
                        ("de lunes a viernes a las 8:00", "0 8 * * 1-5"),
                        ("todos los días a las 0:30", "30 0 * * *")):
        by_words = occurrences(load(config, write_post, f"{{every: '{words}'}}"), config, NOW,
                               limit=400)
        by_cron = occurrences(load(config, write_post, f"{{cron: '{cron}'}}"), config, NOW,
                              limit=400)
        assert by_words == by_cron


def test_words_follow_the_dst_rules_and_count_from_start(config: Config,
                                                         write_post: WritePost) -> None:
    post = load(config, write_post, "{every: 'todos los días a las 0:30', start: 2027-03-13, "
                                    "count: 3}")
    occ = occurrences(post, config, NOW)
    assert [local(o.due) for o in occ] == [
        "Sat 2027-03-13 00:30 -0500", "Sun 2027-03-14 01:30 -0400", "Mon 2027-03-15 00:30 -0400"]
    assert "does not exist" in occ[1].note
    post = load(config, write_post, "{every: 'daily at 0:30', start: 2027-11-06, count: 3}")
    occ = occurrences(post, config, NOW)
    assert [local(o.due) for o in occ] == [
        "Sat 2027-11-06 00:30 -0400", "Sun 2027-11-07 00:30 -0400", "Mon 2027-11-08 00:30 -0500"]
    assert "twice" in occ[1].note


def test_every_two_weeks_counts_from_the_week_of_start(config: Config,
                                                       write_post: WritePost) -> None:
    # 2026-12-03 is a Thursday: its week's Tuesday (12-01) is the first, then every other one.
    post = load(config, write_post, "{every: 'cada 2 semanas, el martes y el jueves a las "
                                    "10:00', start: 2026-12-03}")
    assert [local(o.due)[:14] for o in occurrences(post, config, NOW, limit=5)] == [
        "Thu 2026-12-03", "Tue 2026-12-15", "Thu 2026-12-17", "Tue 2026-12-29",
        "Thu 2026-12-31"]
    # The weeks stay counted from start when the series is read later.
    later = datetime(2026, 12, 20, tzinfo=HAVANA)
    assert [local(o.due)[:14] for o in occurrences(post, config, later, limit=2)] == [
        "Tue 2026-12-29", "Thu 2026-12-31"]


def test_first_and_last_weekday_of_the_month(config: Config, write_post: WritePost) -> None:
    post = load(config, write_post, "{every: 'el primer lunes y el último viernes de cada mes a "
                                    "las 10:00', until: 2027-03-31}")
    assert [local(o.due)[:14] for o in occurrences(post, config, NOW)] == [
        "Fri 2026-11-27", "Mon 2026-12-07", "Fri 2026-12-25", "Mon 2027-01-04",
        "Fri 2027-01-29", "Mon 2027-02-01", "Fri 2027-02-26", "Mon 2027-03-01",
        "Fri 2027-03-26"]


def test_sync_queues_a_series_in_words_and_cron_to_words_keeps_the_rows(
        config: Config, write_post: WritePost) -> None:
    ledger = Ledger(config.state_dir / "ledger.sqlite3")
    write_post("b.yaml", "category: 9\ntext: semanal\nplatforms: [facebook]\n"
                         "schedule: {cron: '0 9 * * mon', until: 2026-12-31}\n")
    sync([config.posts_dir], config, ledger, NOW, full=True)
    before = {(r.id, r.due) for r in ledger.rows(statuses=(Status.QUEUED,))}
    write_post("b.yaml", "category: 9\ntext: semanal\nplatforms: [facebook]\n"
                         "schedule: {every: 'lunes a las 9:00', until: 2026-12-31}\n")
    report = sync([config.posts_dir], config, ledger, NOW, full=True)
    assert report.ok and report.new == 0 and report.cancelled == 0
    assert {(r.id, r.due) for r in ledger.rows(statuses=(Status.QUEUED,))} == before
    assert len(before) == 5
    write_post("b.yaml", "category: 9\ntext: semanal\nplatforms: [facebook]\n"
                         "schedule: {every: 'lunes y jueves a las 9:00', until: 2026-12-31}\n")
    report = sync([config.posts_dir], config, ledger, NOW, full=True)
    assert report.new == 5


def test_preview_says_the_schedule_back_in_the_readers_language(
        workspace: Path, write_post: WritePost) -> None:
    path = write_post("a.yaml", "category: 9\ntext: hola\nplatforms: [facebook]\n"
                                "schedule:\n  every: lunes y jueves a las 9:30\n"
                                "  until: 2026-12-31\n")
    code, out = run("preview", str(path))
    assert code == ExitCode.OK
    assert "Schedule: recurring: every Monday and Thursday at 09:30, until 2026-12-31" in out
    code, out = run("--lang", "es", "preview", str(path))
    assert "periódica: cada lunes y jueves a las 09:30, hasta el 2026-12-31" in out
    _code, out = run("--lang", "es", "preview", "--json", str(path))
    (data,) = json.loads(out)["posts"]
    assert data["schedule"] == "every"
    assert data["every"] == {"written": "lunes y jueves a las 9:30",
                             "words": "cada lunes y jueves a las 09:30"}
    assert data["schedule_text"].startswith("periódica: cada lunes y jueves")
    # NOW is Thursday 2026-11-26 10:00: that morning has gone, Monday is next.
    assert data["occurrences"][0]["due"] == "2026-11-30T09:30:00-05:00"
    html = workspace / "p.html"
    assert run("--lang", "es", "preview", "--html", str(html), str(path))[0] == ExitCode.OK
    assert "periódica: cada lunes y jueves a las 09:30" in html.read_text(encoding="utf-8")


def test_wall_times_never_run_dry() -> None:
    # Every rule matches some day of every month: a caller that stops by count or date ends.
    read = recurrence.parse("el último domingo de cada mes a las 23:59")
    walls = read.wall_times(datetime(2027, 1, 1), None)
    assert [next(walls).date().isoformat() for _ in range(3)] == [
        "2027-01-31", "2027-02-28", "2027-03-28"]
    assert read.rules[0].times == (time(23, 59),)


def test_every_outside_schedule_or_in_spanish_points_to_the_key(config: Config,
                                                                write_post: WritePost) -> None:
    write_post("p.yaml", "category: 9\ntext: hola\nschedule:\nevery: lunes a las 9:00\n")
    result = validate_paths([config.posts_dir], config, NOW)
    assert any("'every' belongs inside 'schedule:'" in d.hint for d in result.diagnostics)
    (_code, _message, hint), *_ = problems(config, write_post, "{cada: 'lunes a las 9:00'}")
    assert "every" in hint


@given(days=st.sets(st.integers(0, 6), min_size=1),
       times=st.sets(st.times().map(lambda t: time(t.hour, t.minute)), min_size=1, max_size=3),
       positions=st.sets(st.sampled_from([1, 2, 3, 4, recurrence.LAST]), max_size=2),
       weeks=st.integers(1, 4), language=st.sampled_from(["es", "en"]))
def test_any_schedule_said_in_words_reads_back_the_same(
        days: set[int], times: set[time], positions: set[int], weeks: int,
        language: str) -> None:
    rule = recurrence.Rule(tuple(sorted(days)), tuple(sorted(times)),
                           tuple(sorted(positions, key=lambda p: p if p > 0 else 9)))
    said = recurrence.Recurrence("", language, (rule,), 1 if positions else weeks)
    again = recurrence.parse(said.phrase(language))
    assert (again.rules, again.every_weeks, again.language) == (
        said.rules, said.every_weeks, language)
    assert recurrence.parse(said.value(language)).rules == said.rules


def havana_time(occurrence: str) -> str:
    due = occurrence_time(occurrence)
    assert due is not None
    return due.astimezone(HAVANA).strftime("%H:%M")


def test_a_series_in_words_goes_out_on_the_sandbox_once_per_occurrence(tmp_path: Path) -> None:
    with served(tmp_path) as site:
        path = site.root / "posts" / "diario.yaml"
        path.write_text("category: 9\ntext: Buenos días desde la BMN.\nplatforms: [facebook]\n"
                        "schedule:\n  every: todos los días a las 7:30\n", encoding="utf-8")
        settled = clock.time() - SETTLE_SECONDS - 1  # a sync queues only a file at rest
        os.utime(path, (settled, settled))
        # --now sends the next occurrence early, so the daemon will not send it again.
        done = site.run("post", "posts/diario.yaml", "--now", "--yes")
        assert done.returncode == ExitCode.OK, done.stdout + done.stderr
        assert len(site.published("facebook")) == 1
        assert site.run("sync").returncode == ExitCode.OK
        assert site.run("run-due").returncode == ExitCode.OK
        rows = site.rows()
        sent = [r for r in rows if r["status"] == Status.PUBLISHED.value]
        assert len(sent) == 1 and havana_time(sent[0]["occurrence"]) == "07:30"
        # The rest of the series is queued for later days, and that occurrence is not.
        queued = [r["occurrence"] for r in rows if r["status"] == Status.QUEUED.value]
        assert queued and sent[0]["occurrence"] not in queued
        assert {havana_time(o) for o in queued} == {"07:30"}
        assert len(site.published("facebook")) == 1
