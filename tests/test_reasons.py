"""Reasons are stored as codes with parameters and said in the reader's language: a daemon
in English, a librarian reading `--lang es status` (and the other way round)."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from bmnsocial import i18n
from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.cli.root import cli
from bmnsocial.publish.ledger import ONCE, Ledger, Status
from bmnsocial.reasons import Reason, Said, describe
from tests.helpers import HAVANA, WritePost

SERIES = """\
category: 9
text: Boletín semanal de nuevas adquisiciones.
platforms: [facebook]
schedule: {cron: "0 9 * * 1", start: 2026-12-01, count: 4}
"""
NOTICE = """\
category: 9
text: {text}
platforms: [facebook]
schedule: {{at: {at}}}
"""
NBSP = "\u00a0"
LATE = "2026-12-15T10:00-05:00"  # back after a week without power


def run(*args: str, lang: str = "en", now: str | None = None) -> tuple[int, str]:
    env = {"BMNSOCIAL_NOW": now} if now else {}
    result = CliRunner().invoke(cli, ["--lang", lang, "--sandbox", *args], env=env)
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


@pytest.fixture
def outage(workspace: Path, write_post: WritePost) -> None:
    """A weekly series and a notice missed during an outage, and a post deleted meanwhile."""
    write_post("boletin.yaml", SERIES)
    write_post("aviso.yaml", NOTICE.format(text="Cerrado el jueves.", at="2026-12-10 09:00"))
    gone = write_post("charla.yaml", NOTICE.format(text="Charla el sábado.",
                                                   at="2026-12-19 10:00"))
    assert run("sync")[0] == ExitCode.OK
    gone.unlink()


def _skipped_and_cancelled(lang: str) -> dict[str, str]:
    code, out = run("history", lang=lang, now=LATE)
    assert code == ExitCode.OK
    lines = out.strip().splitlines()
    return {key: next(line for line in lines if key in line)
            for key in ("2026-12-07", "2026-12-14", "aviso", "charla")}


def test_reasons_written_in_english_are_read_in_spanish(outage: None) -> None:
    assert run("run-due", lang="en", now=LATE)[0] == ExitCode.OK
    lines = _skipped_and_cancelled("es")
    # The coalesced one names the later date in the config zone (Havana), not in UTC.
    assert ("también toca una fecha posterior de la misma publicación (lunes 2026-12-14 09:00 "
            "(-05:00))") in lines["2026-12-07"]
    assert "14:00 (+00:00)" not in lines["2026-12-07"]
    assert (f"1{NBSP}500 min de retraso, más allá del margen de gracia de 180 min"
            in lines["2026-12-14"])
    assert f"7{NBSP}260 min de retraso" in lines["aviso"]
    assert "la publicación ya no existe" in lines["charla"]
    assert not any(word in "\n".join(lines.values()) for word in ("late", "beyond", "deleted"))
    out = run("status", lang="es", now=LATE)[1]
    assert f"1{NBSP}500 min de retraso, más allá del margen de gracia" in out
    assert "min late" not in out
    # JSON: the sentence in the reader's language, the code for scripts.
    rows = json.loads(run("history", "--json", lang="es", now=LATE)[1])
    by_post = {(r["post_id"], r["due"][:10]): r for r in rows}
    assert by_post[("aviso", "2026-12-10")]["reason_code"] == "late-beyond-grace"
    assert "min de retraso" in by_post[("aviso", "2026-12-10")]["error"]
    assert by_post[("charla", "2026-12-19")]["reason_code"] == "withdrawn-deleted"


def test_reasons_written_in_spanish_are_read_in_english(outage: None) -> None:
    assert run("run-due", lang="es", now=LATE)[0] == ExitCode.OK
    lines = _skipped_and_cancelled("en")
    assert ("a later occurrence of the same post is due too (Monday 2026-12-14 09:00 (-05:00))"
            in lines["2026-12-07"])
    assert "1,500 min late, beyond the 180-min grace window" in lines["2026-12-14"]
    assert "7,260 min late" in lines["aviso"]
    assert "the post no longer exists (file deleted or id changed)" in lines["charla"]
    assert "retraso" not in "\n".join(lines.values())
    out = run("status", lang="en", now=LATE)[1]
    assert "SKIPPED (last 7 days): facebook aviso, due Thursday 2026-12-10 09:00 (-05:00): " \
           "7,260 min late, beyond the 180-min grace window" in out


def test_a_held_back_row_gives_its_reason_in_the_readers_language(
        workspace: Path, write_post: WritePost) -> None:
    config = workspace / "config.yaml"
    text = config.read_text(encoding="utf-8") + "daemon:\n  max_catchup_per_hour: 1\n"
    config.write_text(text, encoding="utf-8")
    for name in ("uno", "dos"):
        write_post(f"{name}.yaml", NOTICE.format(text=f"Aviso {name}.", at="2026-12-10 09:00"))
    assert run("sync")[0] == ExitCode.OK
    # An hour late: within the grace window, but only one late post per hour goes out.
    assert run("run-due", "--no-sync", lang="en", now="2026-12-10T10:00-05:00")[0] == 0
    out = run("status", lang="es", now="2026-12-10T10:01-05:00")[1]
    (held,) = [line for line in out.splitlines() if line.startswith("RETENIDA: facebook ")]
    assert held.endswith(": se alcanzó el límite de recuperación de 1 por hora en facebook")


def test_a_failure_recorded_in_english_is_read_in_spanish(workspace: Path,
                                                          tmp_path: Path) -> None:
    from tests.test_publisher import world

    with world(tmp_path / "daemon", deadline_hours=0.1) as w:  # a daemon in English
        w.sandbox.x.faults.add("http429", times=50, path="/2/tweets", delay=600)
        w.queue("Un tuit que no sale", platform="twitter", post_id="fallo", occurrence=ONCE)
        (final,) = w.drain()
        assert final.status is Status.FAILED and final.reason_code == "gave-up"
        assert "gave up after" in (final.last_error or "")
    # ... and a librarian reading its ledger in Spanish.
    ledger = Path(os.environ["BMNSOCIAL_HOME"]) / "sandbox" / "ledger.sqlite3"
    ledger.parent.mkdir(parents=True)
    shutil.copy(tmp_path / "daemon" / "state" / "ledger.sqlite3", ledger)
    status = run("status", lang="es")[1]
    (line,) = [x for x in status.splitlines() if x.startswith("NECESITA A UNA PERSONA")]
    history = run("history", lang="es")[1]
    for shown in (line, history):
        # Our words in Spanish (0,1 h: a decimal comma), nested as they were; X's own words
        # quoted as X wrote them.
        assert ("se abandonó tras 2 intentos en 0,1 h: X: publicando el tuit: X respondió 429 "
                "Too Many Requests: «Too Many Requests»") in shown, shown
        assert "gave up" not in shown and "publishing" not in shown


def test_old_rows_and_unknown_codes_show_the_stored_sentence(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    now = datetime(2026, 12, 10, 9, 0, tzinfo=HAVANA)
    row = ledger.enqueue(post_id="p", platform="facebook", occurrence=ONCE, due=now,
                         payload="{}", content_hash="h", source_file="", now=now)
    ledger.mark_skipped(row.id, "written by an older bmnsocial", now)
    assert ledger.get(row.id).reason() == "written by an older bmnsocial"
    ledger.db.execute("UPDATE publications SET reason_code = 'from-the-future' WHERE id = ?",
                      (row.id,))
    assert ledger.get(row.id).reason() == "written by an older bmnsocial"
    ledger.close()


def test_a_platforms_words_are_quoted_not_translated() -> None:
    said = Said("You are not allowed to create a Tweet with duplicate content.")
    reason = Reason("duplicate-refused", error=said)
    i18n.install("es")
    shown = describe(reason.code, reason.stored(), HAVANA)
    assert shown is not None
    assert shown.startswith("«You are not allowed to create a Tweet with duplicate content.»")
    assert "la plataforma ya tiene" in shown


def test_times_are_stored_in_utc_and_shown_in_the_readers_zone() -> None:
    moment = datetime(2027, 1, 14, 9, 0, tzinfo=HAVANA)
    reason = Reason("late-coalesced", minutes=20, later=moment)
    assert json.loads(reason.stored())["later"] == {"time": "2027-01-14T14:00:00+00:00"}
    i18n.install("es")
    shown = describe(reason.code, reason.stored(), HAVANA)
    assert shown is not None and "jueves 2027-01-14 09:00 (-05:00)" in shown


def test_the_retry_log_line_gives_no_utc_time(tmp_path: Path,
                                             caplog: pytest.LogCaptureFixture) -> None:
    from tests.test_publisher import world

    with world(tmp_path) as w:
        w.sandbox.x.faults.add("http503", times=1)
        w.queue("Un tuit que sale al segundo intento", platform="twitter", post_id="p",
                occurrence=ONCE)
        i18n.install("es")
        w.publisher.run_ready()
    (line,) = [r.getMessage() for r in caplog.records if "se reintentará" in r.getMessage()]
    assert "se reintentará dentro de " in line and "+00:00" not in line


def test_files_a_daemon_in_english_refused_are_listed_in_spanish(
        workspace: Path, write_post: WritePost) -> None:
    write_post("roto.yaml", "category: 9\ntext: Hola.\ntwiter: {text: x}\n")
    write_post("bien.yaml", NOTICE.format(text="Aviso.", at="2026-12-10 09:00"))
    assert run("run-due", lang="en")[0] == ExitCode.OK  # the daemon's sync refuses roto.yaml
    out = run("status", lang="es")[1]
    (line,) = [x for x in out.splitlines() if "error[SCHEMA-UNKNOWN-KEY]" in x]
    assert "clave desconocida 'twiter'" in line and "Sugerencia: ¿quiso decir 'twitter'?" in line
    assert "unknown key" not in line and "did you mean" not in line
    data = json.loads(run("status", "--json", lang="es")[1])
    (problem,) = data["not_queued"]["problems"]
    assert problem["message"].startswith("clave desconocida")
    # Fixed since: nothing to say again; what was recorded is shown as it was.
    write_post("roto.yaml", "category: 9\ntext: Hola.\n")
    (line,) = [x for x in run("status", lang="es")[1].splitlines()
               if "error[SCHEMA-UNKNOWN-KEY]" in x]
    assert "unknown key 'twiter'" in line
