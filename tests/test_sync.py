from __future__ import annotations

import difflib
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.config import Config
from bmnsocial.publish.ledger import Ledger, Status
from bmnsocial.render.validation import validate_paths
from bmnsocial.schedule import misfire
from bmnsocial.schedule.queueing import enqueue, plan
from bmnsocial.schedule.sync import PostsFolderUnavailable, RenameCheck, last_refused, similar, sync
from tests.helpers import NOW, WritePost, default_signals
from tests.sitehelp import PATIENCE


def ledger_for(config: Config) -> Ledger:
    return Ledger(config.state_dir / "ledger.sqlite3")


def run(config: Config, ledger: Ledger, *paths: Path, now=NOW):  # type: ignore[no-untyped-def]
    return sync(list(paths) or [config.posts_dir], config, ledger, now, full=not paths)


def sync_unable_to_read(folder: Path) -> subprocess.CompletedProcess[str]:
    """`bmnsocial sync` in a process that cannot list ``folder``. Root reads anything, so as
    root the process runs without the capabilities that let it (setpriv, util-linux)."""
    folder.chmod(0)
    prefix = (["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
              if os.geteuid() == 0 else [])
    try:
        return subprocess.run([*prefix, sys.executable, "-m", "bmnsocial", "sync"],
                              capture_output=True, text=True, timeout=PATIENCE, check=False,
                              preexec_fn=default_signals)
    finally:
        folder.chmod(0o755)


def states(ledger: Ledger) -> dict[tuple[str, str, str], str]:
    return {(r.post_id, r.platform, r.occurrence): r.status.value for r in ledger.rows()}


def test_queues_one_off_and_recurring_within_the_horizon(config: Config,
                                                         write_post: WritePost) -> None:
    write_post("a.yaml", "category: 9\ntext: hola\nschedule: {at: 2026-12-01 09:00}\n")
    write_post("b.yaml", "category: 9\ntext: semanal\nplatforms: [facebook]\n"
                         "schedule: {cron: '0 9 * * mon'}\n")
    ledger = ledger_for(config)
    report = run(config, ledger)
    assert report.ok and report.new == 2 + 9  # 60-day horizon: 9 Mondays from 2026-11-30
    assert {r.due.isoformat() for r in ledger.rows(post_id="a")} == {"2026-12-01T14:00:00+00:00"}
    again = run(config, ledger)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 11)


def test_editing_updates_future_queued_and_never_published(config: Config,
                                                          write_post: WritePost) -> None:
    ledger = ledger_for(config)
    write_post("a.yaml", "category: 9\ntext: hola\nplatforms: [facebook, twitter]\n"
                         "schedule: {at: 2026-12-01 09:00}\n")
    run(config, ledger)
    fb = ledger.find("a", "facebook", "once")
    assert fb is not None
    ledger.claim(fb.id, "me", NOW)
    ledger.mark_published(fb.id, "1_2", "https://www.facebook.com/1/posts/2", ["1_2"], NOW)
    write_post("a.yaml", "category: 9\ntext: hola, editado\nplatforms: [facebook, twitter]\n"
                         "schedule: {at: 2026-12-02 10:00}\n")
    report = run(config, ledger)
    assert report.updated == 1
    tw = ledger.find("a", "twitter", "once")
    assert tw is not None and tw.due.isoformat() == "2026-12-02T15:00:00+00:00"
    assert "hola, editado" in tw.payload
    fb_after = ledger.find("a", "facebook", "once")
    assert fb_after is not None and fb_after.status is Status.PUBLISHED and "editado" not in (
        fb_after.payload)


def test_removed_platform_and_shortened_series_are_cancelled(config: Config,
                                                             write_post: WritePost) -> None:
    ledger = ledger_for(config)
    write_post("b.yaml", "category: 9\ntext: semanal\nplatforms: [facebook, twitter]\n"
                         "schedule: {cron: '0 9 * * mon', until: 2026-12-31}\n")
    run(config, ledger)
    write_post("b.yaml", "category: 9\ntext: semanal\nplatforms: [facebook]\n"
                         "schedule: {cron: '0 9 * * mon', until: 2026-12-10}\n")
    report = run(config, ledger)
    queued = {(r.platform, r.due.date().isoformat()) for r in ledger.rows(
        statuses=(Status.QUEUED,))}
    assert queued == {("facebook", "2026-11-30"), ("facebook", "2026-12-07")}
    assert report.cancelled == 5 + 3


def test_deleting_the_file_cancels_its_queue(config: Config, write_post: WritePost) -> None:
    ledger = ledger_for(config)
    path = write_post("a.yaml", "category: 9\ntext: hola\nschedule: {at: 2026-12-01 09:00}\n")
    write_post("b.yaml", "category: 9\ntext: otra\nschedule: {at: 2026-12-02 09:00}\n")
    run(config, ledger)
    path.unlink()
    report = run(config, ledger)
    assert report.ok and report.cancelled == 2
    (row, _second) = ledger.rows(post_id="a")
    assert row.status is Status.CANCELLED and "no longer exists" in (row.last_error or "")
    assert {r.status for r in ledger.rows(post_id="b")} == {Status.QUEUED}


def test_a_missing_or_unreadable_posts_folder_changes_nothing(
        config: Config, write_post: WritePost) -> None:
    ledger = ledger_for(config)
    write_post("a.yaml", "category: 9\ntext: hola\nschedule: {at: 2026-12-01 09:00}\n")
    run(config, ledger)
    before = states(ledger)
    moved = config.posts_dir.with_name("posts.moved")
    config.posts_dir.rename(moved)
    with pytest.raises(PostsFolderUnavailable, match="cannot be read"):
        run(config, ledger)
    assert states(ledger) == before
    refused = last_refused(ledger)
    assert refused is not None and refused.problems[0].code == "FOLDER-UNREADABLE"
    moved.rename(config.posts_dir)
    inner = config.posts_dir / "eventos"
    inner.mkdir()
    write_post("eventos/b.yaml", "category: 9\ntext: otra\nschedule: {at: 2026-12-02 09:00}\n")
    (config.posts_dir / "a.yaml").unlink()
    done = sync_unable_to_read(inner)
    assert done.returncode == ExitCode.INVALID, done.stdout + done.stderr
    assert done.stdout.count("error[FOLDER-UNREADABLE]") == 1 and "0 cancelled" in done.stdout
    assert states(ledger) == before
    report = run(config, ledger)
    assert report.ok and report.cancelled == 2 and report.new == 2


def test_a_posts_folder_emptied_while_posts_are_queued_cancels_nothing(
        config: Config, write_post: WritePost) -> None:
    ledger = ledger_for(config)
    path = write_post("a.yaml", "category: 9\ntext: hola\nschedule: {at: 2026-12-01 09:00}\n")
    run(config, ledger)
    path.unlink()  # a failed checkout, a wrong mount: not 'delete every post'
    report = run(config, ledger)
    assert not report.ok and report.cancelled == 0
    assert [d.code for d in report.problems] == ["POSTS-FOLDER-EMPTY"]
    assert set(states(ledger).values()) == {"queued"}


def test_an_invalid_file_keeps_its_queue_exactly(config: Config, write_post: WritePost) -> None:
    ledger = ledger_for(config)
    write_post("a.yaml", "category: 9\ntext: hola\nschedule: {at: 2026-12-01 09:00}\n")
    run(config, ledger)
    before = [(r.id, r.due, r.payload, r.status) for r in ledger.rows()]
    write_post("a.yaml", "category: 9\ntext: hola\nschedule: {at: 2026-12-01 09:00\n")
    report = run(config, ledger)
    assert report.invalid_files == ["posts/a.yaml"] and not report.ok
    assert [(r.id, r.due, r.payload, r.status) for r in ledger.rows()] == before


def test_a_published_one_off_in_the_past_is_history_not_an_error(
        config: Config, write_post: WritePost) -> None:
    ledger = ledger_for(config)
    write_post("a.yaml", "category: 9\ntext: hola\nschedule: {at: 2026-11-27 09:00}\n")
    run(config, ledger)
    for row in ledger.rows():
        ledger.claim(row.id, "me", NOW)
        ledger.mark_published(row.id, "1", "https://x.com/a/status/1", ["1"], NOW)
    later = NOW + timedelta(days=3)
    report = run(config, ledger, now=later)
    assert report.ok and report.cancelled == 0
    assert set(states(ledger).values()) == {"published"}


def test_explicit_paths_never_cancel_other_posts(config: Config, write_post: WritePost) -> None:
    ledger = ledger_for(config)
    write_post("a.yaml", "category: 9\ntext: uno\nschedule: {at: 2026-12-01 09:00}\n")
    b = write_post("b.yaml", "category: 9\ntext: dos\nschedule: {at: 2026-12-01 10:00}\n")
    run(config, ledger)
    report = run(config, ledger, b)
    assert report.cancelled == 0 and set(states(ledger).values()) == {"queued"}


def test_a_post_that_arrived_after_its_time_is_queued_late_not_lost(
        config: Config, write_post: WritePost) -> None:
    ledger = ledger_for(config)
    write_post("a.yaml", "category: 9\ntext: llegó tarde\nschedule: {at: 2026-11-27 09:00}\n")
    later = NOW + timedelta(days=1, hours=2)  # the server was down when the file arrived
    report = run(config, ledger, now=later)
    assert report.ok and report.new == 2
    assert "misfire policy" in report.notes[0]
    assert {r.status for r in ledger.rows()} == {Status.QUEUED}
    assert all(r.due < later for r in ledger.rows())


WEEKLY = "category: 9\ntext: semanal\nplatforms: [facebook]\nschedule: {cron: '0 9 * * mon'}\n"


def test_an_occurrence_the_misfire_policy_moved_stays_queued(config: Config,
                                                             write_post: WritePost) -> None:
    ledger = ledger_for(config)
    write_post("semanal.yaml", WEEKLY)
    run(config, ledger)
    first = min(ledger.rows(), key=lambda r: r.due)  # Monday 2026-11-30 09:00
    late = first.due + timedelta(minutes=30)  # back after an outage: next_slot moves it
    ledger.move(first.id, first.due + timedelta(hours=3), "moved to the next free slot", late)
    report = run(config, ledger, now=late + timedelta(minutes=1))
    assert report.cancelled == 0
    assert ledger.get(first.id).status is Status.QUEUED


def test_what_a_sync_cancelled_comes_back_when_asked_for_again(config: Config,
                                                               write_post: WritePost) -> None:
    ledger = ledger_for(config)
    path = write_post("semanal.yaml", WEEKLY)
    write_post("otra.yaml", "category: 9\ntext: otra\nschedule: {at: 2027-01-20 09:00}\n")
    run(config, ledger)
    weekly = states(ledger)
    path.write_text(WEEKLY.replace("0 9 * * mon", "0 10 * * mon"))  # edited...
    assert run(config, ledger).cancelled == 9
    path.write_text(WEEKLY)  # ...and reverted
    assert run(config, ledger).new == 9
    assert states(ledger) | weekly == states(ledger) and all(
        states(ledger)[k] == "queued" for k in weekly)
    path.unlink()  # a mistaken delete, reverted
    assert run(config, ledger).cancelled == 9
    path.write_text(WEEKLY)
    run(config, ledger)
    assert all(states(ledger)[k] == "queued" for k in weekly)
    cancelled_by_a_person = ledger.rows(post_id="semanal")[0]
    ledger.mark_cancelled(cancelled_by_a_person.id, "cancelled by a person", NOW)
    run(config, ledger)
    assert ledger.get(cancelled_by_a_person.id).status is Status.CANCELLED


def test_a_clock_set_back_cancels_nothing_beyond_its_horizon(config: Config,
                                                             write_post: WritePost) -> None:
    ledger = ledger_for(config)
    write_post("semanal.yaml", WEEKLY)
    run(config, ledger)
    report = run(config, ledger, now=NOW - timedelta(days=20))  # the RTC after a power cut
    assert report.cancelled == 0 and set(states(ledger).values()) == {"queued"}


def test_a_file_moved_with_a_typo_keeps_its_queue(config: Config,
                                                  write_post: WritePost) -> None:
    ledger = ledger_for(config)
    path = write_post("semanal.yaml", WEEKLY)
    write_post("otra.yaml", "category: 9\ntext: otra\nschedule: {at: 2027-01-20 09:00}\n")
    run(config, ledger)
    before = states(ledger)
    path.unlink()
    write_post("boletines/semanal.yaml", WEEKLY.replace("text:", "txt:"))
    report = run(config, ledger)
    assert not report.ok and report.cancelled == 0 and states(ledger) == before


def test_a_post_published_from_outside_the_folder_is_left_to_its_retries(
        config: Config, write_post: WritePost, workspace: Path) -> None:
    ledger = ledger_for(config)
    write_post("otra.yaml", "category: 9\ntext: otra\nschedule: {at: 2027-01-20 09:00}\n")
    draft = workspace / "borrador.yaml"
    draft.write_text("category: 9\ntext: urgente\nplatforms: [facebook]\n")
    (checked,) = validate_paths([draft], config, NOW).posts  # as `post --now` queues it
    enqueue(ledger, checked, plan(checked, config, ledger, NOW, immediately=True), NOW, pin=True)
    report = run(config, ledger)
    assert report.cancelled == 0
    assert {r.status for r in ledger.rows(post_id="borrador")} == {Status.QUEUED}
    draft.unlink()
    assert run(config, ledger).cancelled == 1


def test_a_decision_on_a_row_read_earlier_never_overwrites_a_publication(
        config: Config, write_post: WritePost) -> None:
    ledger = ledger_for(config)
    write_post("otra.yaml", "category: 9\ntext: otra\nschedule: {at: 2027-01-20 09:00}\n")
    run(config, ledger)
    (row, *_rest) = ledger.rows()
    claimed = ledger.claim(row.id, "other-process", NOW + timedelta(days=60))
    assert claimed is not None
    ledger.mark_published(row.id, "1_2", "https://x", ["1_2"], NOW + timedelta(days=60))
    for decide in (lambda: ledger.mark_skipped(row.id, "too late", NOW),
                   lambda: ledger.move(row.id, NOW + timedelta(days=61), "next slot", NOW),
                   lambda: ledger.defer(row.id, NOW + timedelta(days=61), "cap", NOW)):
        assert decide().status is Status.PUBLISHED


def test_a_late_decision_on_a_row_a_sync_moved_since_is_not_applied(
        config: Config, write_post: WritePost) -> None:
    ledger = ledger_for(config)
    path = write_post("aviso.yaml", "category: 9\ntext: aviso\nplatforms: [facebook]\n"
                                    "schedule: {at: 2026-11-26 11:00}\n")
    write_post("otra.yaml", OTHER)
    run(config, ledger)
    (row,) = ledger.rows(post_id="aviso")  # read by the daemon, found late: to be skipped
    path.write_text(path.read_text().replace("11:00", "15:00"))  # meanwhile: moved later
    assert run(config, ledger).updated == 1
    late = row.due + timedelta(hours=1)
    for decision in (misfire.Decision("skip", "too late"),
                     misfire.Decision("move", "next slot", late + timedelta(days=1)),
                     misfire.Decision("defer", "cap", late + timedelta(hours=1))):
        kept = misfire.apply(decision, row, ledger, late)
        assert kept is not None and kept.status is Status.QUEUED
        assert kept.due == row.due + timedelta(hours=4) and kept.next_attempt_at is None


def test_a_published_post_renamed_is_not_queued_again(config: Config,
                                                      write_post: WritePost) -> None:
    ledger = ledger_for(config)
    body = ("category: 9\ntext: Charla sobre medicina basada en la evidenca, hoy a las 2.\n"
            "schedule: {at: 2026-12-01 09:00}\n")
    path = write_post("charla.yaml", body)
    write_post("otra.yaml", "category: 9\ntext: otra\nschedule: {at: 2027-01-20 09:00}\n")
    run(config, ledger)
    sent_at = NOW + timedelta(days=5)  # 2026-12-01 10:00 in Havana, an hour after its time
    for row in ledger.rows(post_id="charla"):
        ledger.claim(row.id, "me", sent_at)
        ledger.mark_published(row.id, f"id-{row.platform}", "https://x", [], sent_at)
    path.unlink()  # renamed, and a typo fixed, in the same commit
    write_post("charla-evidencia.yaml", body.replace("evidenca", "evidencia"))
    # (the daemon's clock speaks UTC; the message speaks the config's zone)
    report = run(config, ledger, now=(sent_at + timedelta(minutes=30)).astimezone(UTC))
    assert [d.code for d in report.problems] == ["POST-RENAMED"]
    assert "add 'id: charla'" in report.problems[0].hint
    assert " at 2026-12-01 10:00 from " in report.problems[0].message
    assert ledger.rows(post_id="charla-evidencia") == []
    write_post("charla-evidencia.yaml", "id: charla\n" + body.replace("evidenca", "evidencia"))
    report = run(config, ledger, now=sent_at + timedelta(minutes=31))
    assert report.ok and ledger.rows(post_id="charla-evidencia") == []
    write_post("nueva.yaml", "category: 9\ntext: Un aviso que no se parece a nada.\n"
                             "schedule: {at: 2026-12-24 09:00}\n")
    report = run(config, ledger, now=sent_at + timedelta(minutes=32))
    assert report.ok and len(ledger.rows(post_id="nueva")) == 2


def publish_all(ledger: Ledger, post_id: str, when: datetime) -> None:
    for row in ledger.rows(post_id=post_id):
        ledger.claim(row.id, "me", when)
        ledger.mark_published(row.id, f"id-{row.platform}", "https://x", [], when)


CHARLA = ("category: 9\ntext: Charla sobre medicina basada en la evidencia en la sala 3.\n"
          "platforms: [facebook]\nschedule: {at: 2026-12-01 09:00}\n")
OTHER = "category: 9\ntext: otra\nschedule: {at: 2027-01-20 09:00}\n"


def test_an_id_changed_inside_the_same_file_is_refused_as_a_rename(
        config: Config, write_post: WritePost) -> None:
    ledger = ledger_for(config)
    path = write_post("charla.yaml", CHARLA)
    write_post("otra.yaml", OTHER)
    run(config, ledger)
    sent = NOW + timedelta(days=5)
    publish_all(ledger, "charla", sent)
    path.write_text("id: charla-sala-3\n" + CHARLA)
    report = run(config, ledger, now=sent + timedelta(minutes=5))
    assert [d.code for d in report.problems] == ["POST-RENAMED"]
    assert ledger.rows(post_id="charla-sala-3") == []


def test_a_template_reused_for_another_day_and_a_renamed_series_are_not_refused(
        config: Config, write_post: WritePost) -> None:
    ledger = ledger_for(config)
    path = write_post("taller-pubmed.yaml", CHARLA)
    weekly = write_post("semanal.yaml", WEEKLY)
    run(config, ledger)
    sent = NOW + timedelta(days=5)
    publish_all(ledger, "taller-pubmed", sent)
    first = min(ledger.rows(post_id="semanal"), key=lambda r: r.due)
    ledger.claim(first.id, "me", first.due)
    ledger.mark_published(first.id, "id-1", "https://x", [], first.due)
    path.unlink()
    weekly.unlink()
    write_post("taller-scielo.yaml", CHARLA.replace("medicina", "enfermería").replace(
        "2026-12-01", "2026-12-08"))
    write_post("boletin-semanal.yaml", WEEKLY)
    report = run(config, ledger, now=sent + timedelta(minutes=5))
    assert report.ok, [d.format() for d in report.problems]
    assert len(ledger.rows(post_id="taller-scielo")) == 1
    renamed = {r.occurrence for r in ledger.rows(post_id="boletin-semanal")}
    assert len(renamed) == 8 and first.occurrence not in renamed  # sent once, under 'semanal'


def test_a_post_back_after_its_time_is_reported_not_silently_dropped_nor_sent(
        config: Config, write_post: WritePost) -> None:
    ledger = ledger_for(config)
    body = CHARLA.replace("2026-12-01 09:00", "2026-11-26 10:30")  # half an hour from NOW
    path = write_post("aviso.yaml", body)
    write_post("otra.yaml", OTHER)
    run(config, ledger)
    path.unlink()  # deleted by mistake at 10:00...
    assert run(config, ledger).cancelled == 1
    path.write_text(body)  # ...and back at 10:45, after its time
    report = run(config, ledger, now=NOW + timedelta(minutes=45))
    assert [d.code for d in report.problems] == ["POST-BACK-LATE"]
    assert "bmnsocial post" in report.problems[0].hint
    assert {r.status for r in ledger.rows(post_id="aviso")} == {Status.CANCELLED}


def test_a_slot_post_renamed_and_back_is_not_published_twice(config: Config,
                                                             write_post: WritePost) -> None:
    ledger = ledger_for(config)
    body = "category: 9\ntext: Nueva sala de lectura en el segundo piso.\nschedule: {slot: next}\n"
    path = write_post("a.yaml", body)
    write_post("otra.yaml", OTHER)
    run(config, ledger)
    slot = min(r.due for r in ledger.rows(post_id="a"))
    path.unlink()
    write_post("sala-lectura.yaml", body.replace("segundo piso", "segundo piso."))
    run(config, ledger)  # a withdrawn, the new name queued for the next free slot
    publish_all(ledger, "sala-lectura", slot + timedelta(days=1))
    (config.posts_dir / "sala-lectura.yaml").unlink()
    path.write_text(body)  # the rename reverted, after a's slot
    report = run(config, ledger, now=slot + timedelta(days=1, minutes=30))
    assert [d.code for d in report.problems] == ["POST-RENAMED"]
    assert {r.status for r in ledger.rows(post_id="a")} == {Status.CANCELLED}


def test_a_deleted_post_reached_through_a_link_is_cancelled(config: Config,
                                                             write_post: WritePost,
                                                             workspace: Path) -> None:
    ledger = ledger_for(config)
    shared = workspace / "shared" / "evento.yaml"
    shared.parent.mkdir()
    shared.write_text(OTHER.replace("otra", "evento"))
    (config.posts_dir / "evento.yaml").symlink_to(shared)
    write_post("otra.yaml", OTHER)
    run(config, ledger)
    assert ledger.rows(post_id="evento")
    (config.posts_dir / "evento.yaml").unlink()
    assert run(config, ledger).cancelled == 2


def test_a_post_saved_as_txt_keeps_its_queue(config: Config, write_post: WritePost) -> None:
    ledger = ledger_for(config)
    path = write_post("taller.yaml", OTHER)
    write_post("otra.yaml", OTHER.replace("otra", "otra más"))
    run(config, ledger)
    before = states(ledger)
    path.rename(path.with_name("taller.yaml.txt"))
    report = run(config, ledger)
    assert [d.code for d in report.problems] == ["FILE-NAME"] and states(ledger) == before


def test_a_series_whose_until_has_passed_is_unqueued(config: Config,
                                                     write_post: WritePost) -> None:
    ledger = ledger_for(config)
    path = write_post("semanal.yaml", WEEKLY)
    run(config, ledger)
    path.write_text(WEEKLY.replace("'0 9 * * mon'", "'0 9 * * mon', until: 2026-11-20"))
    report = run(config, ledger)
    assert report.cancelled == 9 and set(states(ledger).values()) == {"cancelled"}



def test_a_renamed_slot_post_with_a_small_edit_is_refused(config: Config,
                                                          write_post: WritePost) -> None:
    ledger = ledger_for(config)
    body = ("category: 9\ntext: Nueva exposición de libros antiguos en la sala 2, de 9 a 4.\n"
            "schedule: {slot: next}\n")
    path = write_post("a.yaml", body)
    write_post("otra.yaml", OTHER)
    run(config, ledger)
    slot = min(r.due for r in ledger.rows(post_id="a"))
    publish_all(ledger, "a", slot)
    path.unlink()
    write_post("exposicion.yaml", body.replace("la sala 2", "el aula 2"))
    report = run(config, ledger, now=slot + timedelta(hours=1))
    assert [d.code for d in report.problems] == ["POST-RENAMED"]


def test_the_last_date_of_a_series_moved_past_until_is_kept(config: Config,
                                                           write_post: WritePost) -> None:
    ledger = ledger_for(config)
    daily = ("category: 9\ntext: diario\nplatforms: [facebook]\n"
             "schedule: {cron: '0 9 * * *', until: 2026-11-28}\n")
    write_post("diario.yaml", daily)
    write_post("otra.yaml", OTHER)
    run(config, ledger)
    last = max(ledger.rows(post_id="diario"), key=lambda r: r.due)
    ledger.move(last.id, last.due + timedelta(hours=24), "moved to the next free slot", NOW)
    report = run(config, ledger, now=last.due + timedelta(hours=23))
    assert report.cancelled == 0 and ledger.get(last.id).status is Status.QUEUED


def test_the_same_text_a_year_later_is_a_new_post(config: Config,
                                                  write_post: WritePost) -> None:
    ledger = ledger_for(config)
    path = write_post("cierre-2026.yaml", CHARLA)
    write_post("otra.yaml", OTHER)
    run(config, ledger)
    publish_all(ledger, "cierre-2026", NOW + timedelta(days=5))
    path.unlink()
    write_post("cierre-2027.yaml", CHARLA.replace("2026-12-01", "2027-12-01"))
    report = run(config, ledger, now=NOW + timedelta(days=60))
    assert report.ok and len(ledger.rows(post_id="cierre-2027")) == 1


WORDS = st.lists(st.sampled_from(["la", "sala", "de", "lectura", "abre", "hoy", "a", "las", "9",
                                  "Biblioteca", "Médica", "📚", "#BMN", "nueva"]), max_size=30)


@settings(max_examples=300, deadline=None)
@given(WORDS, WORDS, st.sampled_from([RenameCheck.CLOSE, RenameCheck.SAME, 0.5]))
def test_the_rename_checks_shortcut_answers_as_the_full_comparison(
        a: list[str], b: list[str], threshold: float) -> None:
    first, second = " ".join(a), " ".join(b)
    matcher = difflib.SequenceMatcher(None, "", second)
    matcher.set_seq1(first)
    full = difflib.SequenceMatcher(None, first, second).ratio() >= threshold
    assert similar(matcher, threshold) is full


def test_a_big_folder_is_queued_in_several_commits_and_an_unchanged_one_writes_nothing(
        config: Config, write_post: WritePost) -> None:
    for i in range(70):  # 140 rows: more than one commit's worth
        if i % 25 == 10:
            write_post(f"p{i:02d}.yaml", f"category: 9\ntext: Aviso {i} sin hora fija\n"
                                         "schedule: {slot: next}\n")
        else:
            at = f"2026-12-{1 + i % 28:02d} 09:{i % 60:02d}"
            write_post(f"p{i:02d}.yaml", f"category: 9\ntext: Aviso {i}\n"
                                         f"schedule: {{at: {at}}}\n")
    ledger = ledger_for(config)
    report = run(config, ledger)
    assert report.ok and report.new == 140 and len(ledger.rows()) == 140
    slots = {r.post_id: r.due for r in ledger.rows() if r.post_id in ("p10", "p35", "p60")}
    assert len(set(slots.values())) == 3, "each slot post has its own slot"
    others = {r.due for r in ledger.rows() if r.post_id not in slots}
    assert not others & set(slots.values())
    events = len(ledger.events())
    again = run(config, ledger)
    assert (again.new, again.updated, again.unchanged, again.cancelled) == (0, 0, 140, 0)
    assert len(ledger.events()) == events
