"""Graph's own errors, from the fake Graph's fault plans through the Facebook adapter: each one
a state (wait and retry, a person acts, or the post is refused) with its remedy; the API
version judged as Graph judges it; appsecret_proof; and graph_base_url, the server that
answers in Graph's place."""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from bmnsocial import secrets
from bmnsocial.platforms.base import AuthError, Progress, PublishError, RateLimited, Rejected
from bmnsocial.platforms.facebook import FacebookAccount, FacebookAdapter
from bmnsocial.platforms.rendered import Part, Rendered
from bmnsocial.publish.runtime import Runtime
from bmnsocial.sandbox.credentials import SANDBOX_CREDENTIALS
from bmnsocial.sandbox.fake_graph import GRAPH_FAULTS, FakeGraph
from tests.helpers import ANSWER_TIMEOUT
from tests.test_adapters import Harness, make_config, running

TOKEN = SANDBOX_CREDENTIALS["facebook"]["page_access_token"]
APP_SECRET = "lkAppSecretFakeLeakTestXXXXXXXXXXXXX"
PROOF = hmac.new(APP_SECRET.encode(), TOKEN.encode(), hashlib.sha256).hexdigest()

# fault kind -> (error class, reason code, whether the platform said when to come back)
EXPECTED: dict[str, tuple[type[PublishError], str, bool]] = {
    "graph_4": (RateLimited, "fb-throttled", True),
    "graph_17": (RateLimited, "fb-throttled", False),
    "graph_32": (RateLimited, "fb-throttled", True),
    "graph_613": (RateLimited, "fb-throttled", False),
    "graph_80001": (RateLimited, "fb-throttled", True),
    "graph_10": (AuthError, "fb-app-permission", False),
    "graph_200": (AuthError, "fb-permission-missing", False),
    "graph_368": (Rejected, "fb-blocked", False),
    **{f"graph_190_{sub}": (AuthError, "fb-token-renew", False)
       for sub in (458, 459, 460, 463, 464, 467)},
    "graph_190_492": (AuthError, "fb-page-role", False),
}

pytestmark = pytest.mark.usefixtures("no_leaked_threads")


def code_of(exc: Exception) -> str | None:
    return getattr(getattr(exc, "message", None), "code", None)


def test_every_graph_fault_is_mapped() -> None:
    assert set(EXPECTED) == set(GRAPH_FAULTS)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_graph_fault_through_the_adapter(kind: str, tmp_path: Path) -> None:
    error, reason, told_when = EXPECTED[kind]
    with running("facebook", tmp_path) as h:
        h.fake.faults.add(kind, path=h.publish_path, delay=1200.0)
        before = datetime.now(UTC)
        with pytest.raises(error) as info:
            h.adapter().publish(h.rendered(f"Aviso {kind}"), Progress())
        assert code_of(info.value) == reason
        answered = h.requests_to(h.publish_path)[-1]
        assert str(GRAPH_FAULTS[kind].code) in info.value.message
        assert answered.status == GRAPH_FAULTS[kind].status
        if isinstance(info.value, RateLimited):
            assert info.value.sent is False
            assert (info.value.retry_at is not None) is told_when
            if kind == "graph_80001":  # estimated_time_to_regain_access: 20 minutes
                assert info.value.retry_at is not None
                assert info.value.retry_at - before >= timedelta(minutes=20)
        else:  # a person acts: what to do is said
            assert "retry --failed" in info.value.message or (
                "docs/configuration.md" in info.value.message)
        assert h.published() == []


def test_an_unknown_version_is_refused_like_graph(tmp_path: Path) -> None:
    with running("facebook", tmp_path) as h:
        assert h.config.facebook is not None
        h.config = replace(h.config, accounts={
            **h.config.accounts, "facebook": replace(h.config.facebook, api_version="v99.0")})
        with pytest.raises(AuthError) as info:
            h.adapter().whoami()
        assert code_of(info.value) == "fb-unknown-version"
        assert "v99.0" in info.value.message and "api_version" in info.value.message
        answered = h.fake.requests[-1]
        assert answered.status == 400 and answered.response_json()["error"]["code"] == 2500


@pytest.mark.parametrize(("asked", "answering"),
                         [("v23.0", "v23.0"), ("v26.0", "v26.0"), ("v2.8", "v21.0")])
def test_known_versions_answer_retired_ones_as_the_oldest(asked: str, answering: str) -> None:
    clock = datetime(2026, 12, 3, tzinfo=UTC).timestamp
    with FakeGraph(clock=clock) as fake:
        r = requests.get(f"{fake.base_url}/{asked}/me", headers={"Authorization": f"OAuth {TOKEN}"},
                         timeout=ANSWER_TIMEOUT)
        assert r.status_code == 200 and r.headers["facebook-api-version"] == answering


# -- appsecret_proof -------------------------------------------------------------------------


def with_app_secret(h: Harness) -> None:
    assert h.config.facebook is not None
    h.config = replace(h.config, accounts={**h.config.accounts, "facebook": replace(
        h.config.facebook, app_secret_env="TEST_FB_APP_SECRET")})
    h.secrets["TEST_FB_APP_SECRET"] = APP_SECRET


def test_appsecret_proof_on_every_request_never_in_logs(tmp_path: Path) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    saved = root.level
    root.setLevel(logging.DEBUG)
    secrets.install_log_redaction()
    try:
        with running("facebook", tmp_path,
                     graph_options={"app_secret": APP_SECRET,
                                    "require_appsecret_proof": True}) as h:
            with_app_secret(h)
            adapter = h.adapter()
            adapter.whoami()
            adapter.publish(h.rendered("Texto"), Progress())
            adapter.publish(h.rendered("Foto", media=(h.media(),)), Progress())
            adapter.publish(h.rendered("Fotos", media=(h.media(), h.media())), Progress())
            adapter.recent_posts(datetime.now(UTC) - timedelta(hours=1))
            recorded = h.fake.requests
            assert len(recorded) == 7 and all(r.status == 200 for r in recorded)
            for r in recorded:
                sent = r.query_string.encode() + r.body
                assert PROOF.encode() in sent and APP_SECRET.encode() not in sent
                if r.method == "POST":  # in the body, out of the URL, when there is a body
                    assert PROOF not in r.query_string
    finally:
        root.removeHandler(handler)
        root.setLevel(saved)
    logged = stream.getvalue()
    assert "appsecret_proof" in logged and PROOF not in logged and APP_SECRET not in logged


def test_a_required_proof_missing_or_wrong_needs_a_person(tmp_path: Path) -> None:
    with running("facebook", tmp_path,
                 graph_options={"app_secret": APP_SECRET, "require_appsecret_proof": True}) as h:
        with pytest.raises(AuthError) as info:
            h.adapter().whoami()
        assert code_of(info.value) == "fb-app-secret-required"
        assert "app_secret_env" in info.value.message
        with_app_secret(h)
        h.secrets["TEST_FB_APP_SECRET"] = "lkOtherAppSecretXXXXXXXXXXXXXXXXX"
        with pytest.raises(AuthError) as info:
            h.adapter().whoami()
        assert code_of(info.value) == "fb-app-secret-wrong"
        assert "TEST_FB_APP_SECRET" in info.value.message
        assert "lkOtherAppSecret" not in info.value.message


def test_a_named_app_secret_that_is_not_set_holds_the_post(tmp_path: Path) -> None:
    from bmnsocial.platforms.base import CredentialsMissing

    with running("facebook", tmp_path) as h:
        with_app_secret(h)
        del h.secrets["TEST_FB_APP_SECRET"]
        with pytest.raises(CredentialsMissing, match="TEST_FB_APP_SECRET"):
            h.adapter()


def test_the_sandbox_setting_turns_the_requirement_on(tmp_path: Path) -> None:
    with running("facebook", tmp_path) as h:
        h.adapter().whoami()
        requests.post(f"{h.fake.base_url}/__sandbox__/appsecret",
                      json={"secret": APP_SECRET, "required": True},
                      timeout=ANSWER_TIMEOUT).raise_for_status()
        with pytest.raises(AuthError):
            h.adapter().whoami()


# -- graph_base_url ----------------------------------------------------------------------------


def real_runtime(tmp_path: Path, base_url: str) -> Runtime:
    config = make_config(tmp_path)
    assert config.facebook is not None
    account: FacebookAccount = replace(config.facebook, graph_base_url=base_url)
    config = replace(config, accounts={**config.accounts, "facebook": account})
    from bmnsocial.publish.connections import PlatformConnections

    return Runtime(config, PlatformConnections({"TEST_FB_PAGE_TOKEN": TOKEN}))


def test_graph_base_url_sends_a_real_runtime_elsewhere(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    with FakeGraph() as fake:
        runtime = real_runtime(tmp_path, fake.base_url + "/")
        try:
            adapter = runtime.adapter("facebook")
            assert isinstance(adapter, FacebookAdapter)
            assert adapter.whoami().id == fake.page_id
            text = "Hola"
            adapter.publish(Rendered("2026-11-26-hola", "facebook",
                                     (Part(text, ("text",), len(text), 63_206, ()),), None),
                            Progress())
        finally:
            runtime.close()
        assert [r.path for r in fake.requests] == ["/v23.0/me", f"/v23.0/{fake.page_id}/feed"]


def test_graph_base_url_keeps_the_environment_proxy(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeGraph() as fake:
        # The fake stands as the proxy too: it reads the path of an absolute-form request.
        monkeypatch.setenv("HTTP_PROXY", fake.base_url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        runtime = real_runtime(tmp_path, "http://graph-compatible.invalid")
        try:
            assert runtime.adapter("facebook").whoami().id == fake.page_id
        finally:
            runtime.close()
        assert fake.requests[-1].path == "/v23.0/me"



def test_app_secret_env_through_the_cli_on_the_sandbox(workspace: Path) -> None:
    from click.testing import CliRunner

    from bmnsocial.cli.root import cli

    config = workspace / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "# app_secret_env:", "app_secret_env:"), encoding="utf-8")
    checked = CliRunner().invoke(cli, ["--sandbox", "accounts", "check"])
    # The sandbox's Graph checks every proof it is sent: a wrong one would fail here.
    assert checked.exit_code == 0 and "facebook  OK" in checked.output, checked.output
    real = CliRunner().invoke(cli, ["config", "check"], env={
        "BMNSOCIAL_FACEBOOK_PAGE_TOKEN": "lkPageTokenXXXXXXXXXXXX"})
    assert "$BMNSOCIAL_FACEBOOK_APP_SECRET: MISSING" in real.output, real.output
