"""`status` tells the whole story: rows waiting for a retry, rows the catch-up cap holds back."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bmnsocial.publish.ledger import ONCE
from bmnsocial.sandbox.connections import sandbox_runtime
from bmnsocial.schedule.health import check_health
from tests.helpers import WritePost
from tests.test_publisher import world


def test_status_lists_retries_and_held_rows_apart_from_the_next(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        now = w.clock.now()
        retrying = w.queue("Un tuit que falló", platform="twitter", post_id="fallo",
                           occurrence=ONCE)
        held = w.queue("Un aviso atrasado", platform="facebook", post_id="tarde",
                       occurrence=ONCE)
        later = w.queue("Mañana", platform="facebook", post_id="manana", occurrence=ONCE)
        w.ledger.move(later.id, now + timedelta(days=1), "test", now)
        w.ledger.requeue(retrying.id, now + timedelta(minutes=5), "X answered 503",
                         "Transient", now)
        w.ledger.defer(held.id, now + timedelta(hours=1),
                       "catch-up limit: 2 late posts per hour", now)
        runtime = sandbox_runtime(w.config)
        runtime._ledger = w.ledger
        health = check_health(runtime, now=now, stale_after=300)
        assert [r.post_id for r in health.retrying] == ["fallo"]
        assert health.retrying[0].next_attempt_at == now + timedelta(minutes=5)
        assert health.retrying[0].last_error == "X answered 503"
        assert [r.post_id for r in health.held] == ["tarde"]
        assert health.held[0].last_error == "catch-up limit: 2 late posts per hour"
        assert [r.post_id for r in health.upcoming] == ["manana"]
        data = health.to_json(w.config.timezone)
        assert [r["post_id"] for r in data["retrying"]] == ["fallo"]
        assert [r["post_id"] for r in data["held"]] == ["tarde"]
        assert [r["post_id"] for r in data["next"]] == ["manana"]
        # Once its time comes, a held row is simply due: nothing keeps it back any more.
        health = check_health(runtime, now=now + timedelta(hours=2), stale_after=300)
        assert health.held == [] and health.retrying == []


def test_status_says_so_in_both_languages(workspace: Path, write_post: WritePost) -> None:
    import os

    from click.testing import CliRunner

    from bmnsocial.cli.root import cli
    from bmnsocial.publish.ledger import Ledger

    write_post("aviso.yaml", "category: 9\ntext: Hola.\nplatforms: [twitter]\n"
                             "schedule: {at: 2027-01-14 09:00}\n")
    assert CliRunner().invoke(cli, ["--sandbox", "post", "posts/aviso.yaml", "--yes"]
                              ).exit_code == 0
    ledger = Ledger(Path(os.environ["BMNSOCIAL_HOME"]) / "sandbox" / "ledger.sqlite3")
    (row,) = ledger.rows()
    ledger.requeue(row.id, row.due + timedelta(minutes=5), "X answered 503", "Transient",
                   row.due)
    ledger.close()
    english = CliRunner().invoke(cli, ["--sandbox", "status"]).output
    assert "WAITING FOR A RETRY: twitter aviso, due " in english
    assert "2027-01-14 09:05 (-05:00): X answered 503" in english
    spanish = CliRunner().invoke(cli, ["--lang", "es", "--sandbox", "status"]).output
    assert "ESPERANDO UN NUEVO INTENTO: twitter aviso" in spanish


def test_a_platform_without_credentials_holds_its_posts_until_they_appear(
        tmp_path: Path) -> None:
    from bmnsocial.publish.ledger import Status
    from tests.test_publisher import make_secrets

    with world(tmp_path) as w:
        secrets: dict[str, str] = {}  # the server came back without its secrets file
        factory = w.publisher._factory

        def adapters(platform: str):  # type: ignore[no-untyped-def]
            from bmnsocial.platforms.registry import build_adapter

            if not secrets:
                return build_adapter(platform, w.config, secrets, None)  # type: ignore[arg-type]
            return factory(platform)

        w.publisher._factory = adapters
        row = w.queue("Aviso sin credenciales", platform="twitter", post_id="aviso",
                      occurrence=ONCE)
        w.publisher.run_ready()
        held = w.ledger.get(row.id)
        assert held.status is Status.QUEUED and held.attempts == 0, "held, not failed"
        assert held.next_attempt_at is not None and "missing" in (held.last_error or "")
        runtime = sandbox_runtime(w.config)
        runtime._ledger = w.ledger
        health = check_health(runtime, now=w.clock.now(), stale_after=300)
        assert [r.post_id for r in health.no_credentials] == ["aviso"]
        assert "no-credentials" in health.codes and health.retrying == []
        assert w.published("twitter") == []
        secrets.update(make_secrets())  # the credentials are back
        (final,) = w.drain()
        assert final.status is Status.PUBLISHED and len(w.published("twitter")) == 1
