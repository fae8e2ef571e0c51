"""Tokens that last (issue 11, item 4) and the Graph API version table: `accounts connect`
against the fakes over real HTTP, the token endpoints of the fakes held against recorded
answers, `accounts check`'s tasks and expiry, `status` and `config check` warnings."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from bmnsocial import graphversions
from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.cli.root import cli
from bmnsocial.config import load_config
from bmnsocial.errors import ConfigError
from bmnsocial.platforms import connect as flows
from bmnsocial.platforms.http import build_session
from bmnsocial.publish import tokenexpiry
from bmnsocial.publish.ledger import Ledger
from bmnsocial.sandbox.credentials import SANDBOX_CREDENTIALS
from bmnsocial.sandbox.fake_graph import FakeGraph
from bmnsocial.sandbox.fake_x import FakeX
from bmnsocial.secrets import read_secrets_file, write_secrets_file
from tests.helpers import REPO, FakeClock, default_signals

RECORDED = Path(__file__).parent / "contract" / "graph-recorded-tokens"
FB = SANDBOX_CREDENTIALS["facebook"]
X = SANDBOX_CREDENTIALS["x"]
SANDBOX_SECRETS = [FB["page_access_token"], FB["app_secret"], FB["user_access_token"],
                   X["access_token"], X["access_token_secret"], X["consumer_secret"]]


def run(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=input)
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def assert_no_secret(*texts: str | bytes) -> None:
    for text in texts:
        blob = text if isinstance(text, bytes) else text.encode()
        for secret in SANDBOX_SECRETS:
            assert secret.encode() not in blob


# -- the Graph version table ---------------------------------------------------------------------

def test_version_table_cites_meta_and_has_the_dates_platform_notes_give() -> None:
    assert graphversions.source().startswith("https://developers.facebook.com/docs/graph-api/")
    until = {v.version: v.available_until for v in graphversions.table()}
    assert str(until["v21.0"]) == "2027-01-21"
    assert str(until["v23.0"]) == "2027-10-08"
    assert str(until["v25.0"]) == "2028-07-29"


def _config_with_version(tmp_path: Path, version: str) -> Path:
    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    path = tmp_path / "config.yaml"
    path.write_text(re.sub(r"api_version: \S+", f"api_version: {version}", text),
                    encoding="utf-8")
    return path


def test_config_refuses_a_version_meta_never_published(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BMNSOCIAL_NOW", "2026-12-03T12:00:00-05:00")
    with pytest.raises(ConfigError) as caught:
        load_config(_config_with_version(tmp_path, "v99.9"))
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "CONFIG-GRAPH-VERSION" and "v99.9" in diagnostic.message
    assert "v26.0, v25.0, v24.0, v23.0, v22.0, v21.0" in diagnostic.hint  # v20.0 ended in 2026
    assert load_config(_config_with_version(tmp_path, "v21.0")).facebook is not None


@pytest.mark.parametrize(("now", "code", "said"), [
    ("2027-08-08T12:00:00-04:00", ExitCode.INVALID, None),  # 61 days ahead: nothing yet
    ("2027-08-10T12:00:00-04:00", ExitCode.INVALID, "WARNING: Graph API v23.0 stops answering "
                                                    "on 2027-10-08 (in 59 days)"),
    ("2027-10-08T12:00:00-04:00", ExitCode.USAGE, "ERROR: Graph API v23.0 stopped answering "
                                                  "on 2027-10-08"),
])
def test_config_check_warns_60_days_ahead_and_fails_after_the_end(
        workspace: Path, monkeypatch: pytest.MonkeyPatch, now: str, code: int,
        said: str | None) -> None:
    monkeypatch.setenv("BMNSOCIAL_NOW", now)
    exit_code, out = run("config", "check")  # credentials missing: exit 1 unless it ended
    assert exit_code == code
    if said is None:
        assert "Graph API" not in out
    else:
        assert said in out
    state = json.loads(run("config", "check", "--json")[1])["graph_api"]
    assert state["version"] == "v23.0" and state["available_until"] == "2027-10-08"


def test_status_warns_of_the_version_ending_and_is_unhealthy_after(
        workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BMNSOCIAL_NOW", "2027-09-01T12:00:00-04:00")
    report = json.loads(run("--sandbox", "status", "--json")[1])
    assert "graph-version-ending" in report["warning_codes"]
    assert "graph-version-ending" not in report["problem_codes"]
    monkeypatch.setenv("BMNSOCIAL_NOW", "2027-10-09T12:00:00-04:00")
    code, out = run("--sandbox", "status")
    assert code == ExitCode.UNHEALTHY and "Graph API v23.0 stopped answering" in out


# -- the secrets file ----------------------------------------------------------------------------

def test_secrets_file_keeps_other_lines_and_is_made_0600(tmp_path: Path) -> None:
    path = tmp_path / "etc" / "secrets.env"
    path.parent.mkdir()
    path.write_text("# BMN\nexport OTHER=keep-me\nTOKEN=old-value\nTOKEN=older\n")
    path.chmod(0o644)
    write_secrets_file(path, {"TOKEN": "new-value-1234", "SECOND": "second-5678"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == ("# BMN\nexport OTHER=keep-me\nTOKEN=new-value-1234\n"
                                "SECOND=second-5678\n")
    assert read_secrets_file(path)["TOKEN"] == "new-value-1234"
    fresh = tmp_path / "new" / "secrets.env"
    write_secrets_file(fresh, {"TOKEN": "abcd-1234"})
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    assert stat.S_IMODE(fresh.parent.stat().st_mode) == 0o700


# -- the fakes against the recorded answers -------------------------------------------------------

def _shape(value: object) -> object:
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph(clock=FakeClock()) as fake:
        yield fake


def _session(*fakes: FakeGraph | FakeX) -> requests.Session:
    routes = {}
    for fake in fakes:
        origin = "https://graph.facebook.com" if isinstance(fake, FakeGraph) else (
            "https://api.twitter.com")
        routes[origin] = fake.base_url
    return build_session(timeout=60, routes=routes)


def test_fake_graph_token_answers_have_the_recorded_shapes(graph: FakeGraph) -> None:
    session = _session(graph)
    root = "https://graph.facebook.com/v23.0"
    exchanged = session.get(f"{root}/oauth/access_token", params={
        "grant_type": "fb_exchange_token", "client_id": FB["app_id"],
        "client_secret": FB["app_secret"], "fb_exchange_token": FB["user_access_token"]})
    recorded = json.loads((RECORDED / "long_term_token.json").read_text())
    assert exchanged.status_code == 200 and _shape(exchanged.json()) == _shape(recorded)
    long_token = exchanged.json()["access_token"]
    accounts = session.get(f"{root}/me/accounts", headers={"Authorization": f"OAuth {long_token}"})
    recorded = json.loads((RECORDED / "user_accounts_token.json").read_text())
    assert _shape(accounts.json()) == _shape(recorded)
    assert "CREATE_CONTENT" in accounts.json()["data"][0]["tasks"]
    info = session.get(f"{root}/debug_token", params={"input_token": long_token},
                       headers={"Authorization": f"OAuth {FB['app_id']}|{FB['app_secret']}"})
    recorded = json.loads((RECORDED / "token_info.json").read_text())["data"]
    assert set(recorded) <= set(info.json()["data"])
    assert info.json()["data"]["expires_at"] == int(graph.clock()) + 5_184_000


# -- accounts connect facebook --------------------------------------------------------------------

def _connect(graph: FakeGraph, **changes: str) -> flows.FacebookGrant:
    args = {"version": "v23.0", "page_id": graph.page_id, "app_id": FB["app_id"],
            "app_secret": FB["app_secret"], "user_token": FB["user_access_token"], **changes}
    return flows.connect_facebook(_session(graph), **args)


def test_connect_facebook_gets_a_page_token_that_does_not_expire(graph: FakeGraph) -> None:
    grant = _connect(graph)
    assert grant.token == FB["page_access_token"] and "CREATE_CONTENT" in grant.tasks
    assert grant.info is not None and grant.info.expires_at is None
    assert "pages_manage_posts" in grant.info.scopes
    paths = [r.path for r in graph.requests]
    assert paths == ["/v23.0/oauth/access_token", "/v23.0/me/accounts", "/v23.0/debug_token"]
    assert FB["page_access_token"] not in repr(grant)


@pytest.mark.parametrize(("change", "said"), [
    ({"app_secret": "wrongSecret000000"}, "does not accept the app id and app secret"),
    ({"app_id": "999"}, "does not accept the app id and app secret"),
    ({"user_token": "EAAgarbled0000000000"}, "does not accept the user token"),
    ({"page_id": "555"}, "does not manage the Page 555"),
])
def test_connect_facebook_says_what_went_wrong(graph: FakeGraph, change: dict[str, str],
                                               said: str) -> None:
    with pytest.raises(flows.ConnectError) as caught:
        _connect(graph, **change)
    text = "\n".join(caught.value.report())
    assert said in text
    assert_no_secret(text, *change.values())


def test_connect_facebook_an_expired_short_lived_token() -> None:
    clock = FakeClock()
    with FakeGraph(clock=clock) as graph:
        clock.now += 2 * 3600  # the Explorer's token lasts an hour
        with pytest.raises(flows.ConnectError, match="the user token has expired"):
            _connect(graph)


def test_connect_facebook_refuses_a_page_where_one_may_not_create_content() -> None:
    with FakeGraph(page_tasks=["ANALYZE", "MODERATE"]) as graph, pytest.raises(
            flows.ConnectError, match=r"may not create content: your tasks are ANALYZE, MODERATE"):
        _connect(graph)


def test_connect_facebook_on_the_sandbox_stores_the_token_unseen(workspace: Path) -> None:
    secrets_file = workspace.parent / "state" / "sandbox" / "secrets.env"
    secrets_file.parent.mkdir(parents=True)
    secrets_file.write_text("# kept\nBMNSOCIAL_X_CONSUMER_KEY=keep-this-one\n")
    code, out = run("-vv", "--sandbox", "accounts", "connect", "facebook", input="\n\n")
    assert code == ExitCode.OK, out
    assert "client_secret=***&fb_exchange_token=***" in out  # urllib3's DEBUG line, masked
    assert "The Page token does not expire." in out and "CREATE_CONTENT" in out
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    stored = read_secrets_file(secrets_file)
    assert stored == {"BMNSOCIAL_X_CONSUMER_KEY": "keep-this-one",
                      "BMNSOCIAL_FACEBOOK_PAGE_TOKEN": FB["page_access_token"]}
    ledger_bytes = b"".join(p.read_bytes() for p in secrets_file.parent.glob("ledger*"))
    assert_no_secret(out, ledger_bytes)

    code, out = run("--sandbox", "accounts", "check")
    assert code == ExitCode.OK, out
    assert "tasks on the Page: ANALYZE, ADVERTISE, MESSAGING, MODERATE, CREATE_CONTENT" in out
    assert "token: does not expire" in out and "data access until" in out
    assert_no_secret(out)


def test_connect_facebook_also_stores_the_app_secret_the_config_names(workspace: Path) -> None:
    config_file = workspace / "config.yaml"
    config_file.write_text(config_file.read_text().replace(
        "    # app_secret_env: BMNSOCIAL_FACEBOOK_APP_SECRET",
        "    app_secret_env: BMNSOCIAL_FACEBOOK_APP_SECRET"))
    secrets_file = workspace.parent / "state" / "sandbox" / "secrets.env"
    code, out = run("--sandbox", "accounts", "connect", "facebook", input="\n\n")
    assert code == ExitCode.OK, out
    stored = read_secrets_file(secrets_file)
    assert stored["BMNSOCIAL_FACEBOOK_APP_SECRET"] == FB["app_secret"]
    assert_no_secret(out)


def test_connect_facebook_needs_a_secrets_file_before_asking_anything(workspace: Path) -> None:
    code, out = run("accounts", "connect", "facebook", "--app-id", "1", input="x\ny\n")
    assert code == ExitCode.USAGE and "config.yaml has no secrets_file" in out
    assert "user token" not in out


def test_the_token_is_never_a_command_line_option() -> None:
    from bmnsocial.cli.accounts import connect

    assert {"facebook", "twitter"} <= set(connect.commands)
    for command in connect.commands.values():
        names = {o for p in command.params for o in getattr(p, "opts", [])}
        assert not {n for n in names if "token" in n or "secret" in n}


# -- accounts check: tasks and expiry ----------------------------------------------------------

def _ledger(workspace: Path) -> Ledger:
    return Ledger(workspace.parent / "state" / "sandbox" / "ledger.sqlite3")


def test_accounts_check_fails_when_the_page_cannot_be_posted_to(workspace: Path) -> None:
    ledger = _ledger(workspace)
    tokenexpiry.record(ledger, tokenexpiry.TokenExpiry(
        "facebook", datetime(2026, 11, 1, tzinfo=UTC), None, None, ("ANALYZE", "MODERATE")))
    ledger.close()
    code, out = run("--sandbox", "accounts", "check")
    assert code == ExitCode.INVALID
    assert "may not create content on it (no CREATE_CONTENT task)" in out
    report = json.loads(run("--sandbox", "accounts", "check", "--json")[1])
    facebook = next(e for e in report if e["platform"] == "facebook")
    assert facebook["ok"] is False and facebook["tasks"] == ["ANALYZE", "MODERATE"]
    assert facebook["token_expiry_known"] is True and facebook["token_expires_at"] is None
    twitter = next(e for e in report if e["platform"] == "twitter")
    assert twitter["ok"] is True and twitter["token_expires_at"] is None


def test_status_warns_14_days_before_a_token_expires(workspace: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # the workspace's BMNSOCIAL_NOW
    ledger = _ledger(workspace)
    tokenexpiry.record(ledger, tokenexpiry.TokenExpiry("facebook", now, now + timedelta(days=15)))
    ledger.close()
    report = json.loads(run("--sandbox", "status", "--json")[1])
    assert "token-expiring" not in report["warning_codes"]
    monkeypatch.setenv("BMNSOCIAL_NOW", (now + timedelta(days=2)).isoformat())
    code, out = run("--sandbox", "status")
    assert "WARNING: the facebook token expires" in out and "(in 13 days)" in out
    assert "token-expiring" not in json.loads(run("--sandbox", "status", "--json")[1])[
        "problem_codes"]
    monkeypatch.setenv("BMNSOCIAL_NOW", (now + timedelta(days=16)).isoformat())
    code, out = run("--sandbox", "status")
    assert code == ExitCode.UNHEALTHY and "the facebook token expired" in out


# -- accounts connect twitter ---------------------------------------------------------------------

def test_connect_twitter_pin_flow_against_the_fake_x() -> None:
    with FakeX() as x:
        session = _session(x)
        request = flows.request_pin(session, consumer_key=X["consumer_key"],
                                    consumer_secret=X["consumer_secret"])
        assert request.authorize_url.startswith("https://api.twitter.com/oauth/authorize?")
        with pytest.raises(flows.ConnectError, match="Invalid oauth_verifier"):
            flows.finish_pin(session, request, "0000000", consumer_key=X["consumer_key"],
                             consumer_secret=X["consumer_secret"], username=x.username)
        page = session.get(request.authorize_url).text
        pin = re.search(r"<code>(\d{7})</code>", page)
        assert pin is not None
        grant = flows.finish_pin(session, request, pin.group(1), consumer_key=X["consumer_key"],
                                 consumer_secret=X["consumer_secret"], username=x.username)
        assert (grant.access_token, grant.access_token_secret) == (X["access_token"],
                                                                    X["access_token_secret"])
        with pytest.raises(flows.ConnectError, match="Invalid request token"):  # used once
            flows.finish_pin(session, request, pin.group(1), consumer_key=X["consumer_key"],
                             consumer_secret=X["consumer_secret"], username=x.username)


def test_connect_twitter_refuses_another_account_and_a_wrong_key() -> None:
    with FakeX(username="SomeoneElse") as x:
        session = _session(x)
        request = flows.request_pin(session, consumer_key=X["consumer_key"],
                                    consumer_secret=X["consumer_secret"])
        pin = re.search(r"<code>(\d{7})</code>", session.get(request.authorize_url).text)
        assert pin is not None
        with pytest.raises(flows.ConnectError, match="X authorised @SomeoneElse, but config"):
            flows.finish_pin(session, request, pin.group(1), consumer_key=X["consumer_key"],
                             consumer_secret=X["consumer_secret"], username="BMN_Cuba")
        with pytest.raises(flows.ConnectError, match="X refused asking for a request token"):
            flows.request_pin(session, consumer_key=X["consumer_key"],
                              consumer_secret="wrong-secret-000")


def test_connect_twitter_on_the_sandbox_through_stdin(workspace: Path) -> None:
    env = {**os.environ, "BMNSOCIAL_HOME": str(workspace.parent / "state")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bmnsocial", "-vv", "--sandbox", "accounts", "connect",
         "twitter"],
        cwd=workspace, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, preexec_fn=default_signals)
    assert proc.stdout is not None and proc.stdin is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("http://127.0.0.1"):
            break
    page = requests.get(lines[-1].strip(), timeout=60).text
    pin = re.search(r"<code>(\d{7})</code>", page)
    assert pin is not None
    out, err = proc.communicate(pin.group(1) + "\n", timeout=120)
    assert proc.returncode == 0, err
    assert "Connected @BMN_Cuba" in out
    stored = read_secrets_file(workspace.parent / "state" / "sandbox" / "secrets.env")
    assert stored == {"BMNSOCIAL_X_ACCESS_TOKEN": X["access_token"],
                      "BMNSOCIAL_X_ACCESS_TOKEN_SECRET": X["access_token_secret"]}
    assert "oauth/access_token" in err  # DEBUG lines were written, and masked
    assert_no_secret("".join(lines), out, err)


def test_connect_errors_are_said_in_spanish_too(graph: FakeGraph) -> None:
    from bmnsocial import i18n

    i18n.install("es")  # the autouse fixture puts English back for the next test
    with pytest.raises(flows.ConnectError) as caught:
        _connect(graph, page_id="555")
    assert caught.value.report() == [
        "Error: la persona dueña de este token no administra la Página 555 "
        "(accounts.facebook.page_id); Páginas encontradas: Biblioteca Médica Nacional (sandbox) "
        "(100064512000001).",
        "Sugerencia: Genere el token con la sesión iniciada como administrador de la Página de "
        "la BMN y elija la Página cuando el Explorador lo pregunte; o corrija page_id en "
        "config.yaml."]
