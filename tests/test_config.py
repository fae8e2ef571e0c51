from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bmnsocial.cli.root import cli
from bmnsocial.config import find_config_path, load_config, missing_credentials
from bmnsocial.errors import BmnError, ConfigError
from tests.helpers import REPO

SECRET = "EAAFake-test-only-secret-token-0001"


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_repository_config_is_valid_and_matches_the_embedded_default() -> None:
    config = load_config(REPO / "config.yaml")
    assert config.timezone_name == "America/Havana"
    assert config.facebook and config.twitter
    assert (REPO / "config.yaml").read_bytes() == (
        REPO / "bmnsocial" / "data" / "config.default.yaml").read_bytes()


def test_defaults(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, "accounts:\n  twitter: {username: bmn}\n"
                                                "defaults: {platforms: [twitter]}\n"))
    assert config.timezone.key == "America/Havana"
    assert config.posts_dir == tmp_path / "posts"
    assert config.media_root == tmp_path / "posts" / "media"
    assert config.twitter and config.twitter.access_token_env == "BMNSOCIAL_X_ACCESS_TOKEN"


def test_state_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(tmp_path, "state_dir: estado\n"
                                  "accounts: {twitter: {username: bmn}}\n"
                                  "defaults: {platforms: [twitter]}\n")
    monkeypatch.delenv("BMNSOCIAL_HOME")
    assert load_config(path).state_dir == tmp_path / "estado"
    monkeypatch.setenv("BMNSOCIAL_HOME", str(tmp_path / "home"))
    assert load_config(path).state_dir == tmp_path / "home"


def test_config_path_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert find_config_path(None, {}) is None
    (tmp_path / "config.yaml").write_text("x")
    assert find_config_path(None, {}) == Path("config.yaml")
    assert find_config_path(None, {"BMNSOCIAL_CONFIG": "/a.yaml"}) == Path("/a.yaml")
    assert find_config_path("/b.yaml", {"BMNSOCIAL_CONFIG": "/a.yaml"}) == Path("/b.yaml")


def test_every_problem_reported_with_position(tmp_path: Path) -> None:
    path = write_config(tmp_path, "timezone: Mars/Olympus\nslots:\n  lunes: ['09:00']\n"
                                  "  monday: ['9h']\naccounts:\n  facebook:\n"
                                  f"    page_id: '1'\n    token_env: {SECRET}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    found = {(d.code, d.line) for d in info.value.diagnostics}
    assert found >= {("CONFIG-TIMEZONE", 1), ("SCHEMA-UNKNOWN-KEY", 3), ("CONFIG-VALUE", 4),
                     ("CONFIG-SECRET-IN-FILE", 8)}
    assert SECRET not in str(info.value)


def test_missing_credentials_named_never_valued() -> None:
    config = load_config(REPO / "config.yaml")
    env = {"BMNSOCIAL_FACEBOOK_PAGE_TOKEN": SECRET}
    missing = {c.env_var for c in missing_credentials(config, env)}
    assert "BMNSOCIAL_FACEBOOK_PAGE_TOKEN" not in missing
    assert "BMNSOCIAL_X_ACCESS_TOKEN" in missing


def test_config_check_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    args = ["--config", str(REPO / "config.yaml"), "config", "check"]
    monkeypatch.setenv("BMNSOCIAL_FACEBOOK_PAGE_TOKEN", SECRET)
    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    assert "BMNSOCIAL_X_ACCESS_TOKEN: MISSING" in result.output
    assert "BMNSOCIAL_FACEBOOK_PAGE_TOKEN: set" in result.output
    assert SECRET not in result.output
    for var in ("BMNSOCIAL_X_CONSUMER_KEY", "BMNSOCIAL_X_CONSUMER_SECRET",
                "BMNSOCIAL_X_ACCESS_TOKEN", "BMNSOCIAL_X_ACCESS_TOKEN_SECRET",
                "BMNSOCIAL_TELEGRAM_TOKEN"):
        monkeypatch.setenv(var, SECRET + var)
    result = runner.invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert all(c["present"] for c in data["credentials"])
    assert SECRET not in result.output


def test_config_check_invalid_exits_2(tmp_path: Path) -> None:
    path = write_config(tmp_path, "timezone: [1]\n")
    result = CliRunner().invoke(cli, ["--config", str(path), "config", "check"])
    assert result.exit_code == 2
    assert f"{path}:1:11: error[SCHEMA-TYPE]" in result.output
    assert "Traceback" not in result.output


def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "nope.yaml"), "validate"])
    assert result.exit_code == 2
    assert "CONFIG-MISSING" in result.output


def test_default_hashtags_are_checked(tmp_path: Path) -> None:
    path = write_config(tmp_path, "accounts: {twitter: {username: bmn}}\n"
                                  "defaults: {platforms: [twitter], hashtags: ['Salud Pública']}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert [d.code for d in info.value.diagnostics] == ["POST-HASHTAG"]


def test_config_check_json_on_invalid_config(tmp_path: Path) -> None:
    path = write_config(tmp_path, "timezone: Mars/Olympus\n")
    result = CliRunner().invoke(cli, ["--config", str(path), "config", "check", "--json"])
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["valid"] is False
    assert "CONFIG-TIMEZONE" in {e["code"] for e in data["errors"]}


def test_invalid_bmnsocial_now_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BMNSOCIAL_NOW", "mañana")
    result = CliRunner().invoke(cli, ["--config", str(REPO / "config.yaml"), "validate",
                                      str(REPO / "posts")])
    assert result.exit_code == 2
    assert "BMNSOCIAL_NOW" in result.output and "Traceback" not in result.output


def test_secrets_file_is_read_only_when_private(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    secrets_path = tmp_path / "secrets.env"
    secrets_path.write_text("# BMN\nexport BMNSOCIAL_FACEBOOK_PAGE_TOKEN='" + SECRET + "'\n")
    secrets_path.chmod(0o644)
    path = write_config(tmp_path, f"secrets_file: {secrets_path}\n"
                                  "accounts: {facebook: {page_id: '1'}}\n"
                                  "defaults: {platforms: [facebook]}\n")
    config = load_config(path)
    with pytest.raises(BmnError, match="chmod 600"):
        missing_credentials(config, {})
    secrets_path.chmod(0o600)
    assert missing_credentials(config, {}) == []
    result = CliRunner().invoke(cli, ["--config", str(path), "config", "check"])
    assert result.exit_code == 0 and SECRET not in result.output
    monkeypatch.setenv("BMNSOCIAL_FACEBOOK_PAGE_TOKEN", "from-the-environment-wins")
    from bmnsocial import secrets

    found = secrets.resolve(["BMNSOCIAL_FACEBOOK_PAGE_TOKEN"], None, secrets_path)
    assert found == {"BMNSOCIAL_FACEBOOK_PAGE_TOKEN": "from-the-environment-wins"}


def test_a_credential_with_a_trailing_newline_is_trimmed_and_one_with_inner_spaces_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bmnsocial import secrets

    name = "BMNSOCIAL_FACEBOOK_PAGE_TOKEN"
    assert secrets.resolve([name], {name: SECRET + "\n"}) == {name: SECRET}
    secrets_path = tmp_path / "secrets.env"
    secrets_path.write_text(f"{name}={SECRET}   # from the developer portal\n")
    secrets_path.chmod(0o600)
    with pytest.raises(secrets.MalformedSecret) as info:
        secrets.resolve([name], {}, secrets_path)
    assert name in str(info.value) and SECRET not in str(info.value)
    path = write_config(tmp_path, f"secrets_file: {secrets_path}\n"
                                  "accounts: {facebook: {page_id: '1'}}\n"
                                  "defaults: {platforms: [facebook]}\n")
    result = CliRunner().invoke(cli, ["--config", str(path), "config", "check"])
    assert result.exit_code == 1 and "has spaces or control characters inside" in result.output
    assert SECRET not in result.output and "Traceback" not in result.output


def test_config_mistakes_point_at_the_configuration_guide(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    result = CliRunner().invoke(cli, ["--config", str(empty), "config", "check"])
    assert result.exit_code == 2 and "Copy the repository's config.yaml" in result.output
    path = write_config(tmp_path, "version: 3\nhorizon_days: sesenta\n")
    result = CliRunner().invoke(cli, ["--config", str(path), "config", "check"])
    assert "format version 3; this bmnsocial reads version 1" in result.output
    assert "See docs/configuration.md for the format of each field." in result.output


def test_a_missing_posts_folder_is_a_usage_error(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no config.yaml here: the embedded default, posts/ missing
    for command in (["validate"], ["sync"]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 2, result.output
        assert "the posts folder" in result.output and "does not exist" in result.output


def test_a_token_pasted_into_the_config_is_not_repeated_back(tmp_path: Path) -> None:
    as_key_and_value = (f"accounts:\n  facebook:\n    page_id: '1'\n    {SECRET}: x\n"
                        f"    api_version: {SECRET}\n")
    as_a_tag = f"accounts:\n  facebook:\n    page_id: !{SECRET} '1'\n"
    for text, shown in ((as_key_and_value, 2), (as_a_tag, 1)):
        path = write_config(tmp_path, text)
        for args in (["config", "check"], ["config", "check", "--json"]):
            result = CliRunner().invoke(cli, ["--config", str(path), *args])
            assert result.exit_code == 2 and SECRET not in result.output
            assert result.output.count(SECRET[:4] + "…") == shown, result.output


def test_accounts_x_is_accounts_twitter(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, "accounts:\n  x:\n    username: '@BMN_Cuba'\n"
                                                "defaults: {platforms: [x]}\n"))
    assert config.twitter is not None and config.twitter.username == "BMN_Cuba"
    with pytest.raises(ConfigError) as both:
        load_config(write_config(tmp_path, "accounts:\n  x: {username: a}\n"
                                           "  twitter: {username: b}\n"
                                           "defaults: {platforms: [twitter]}\n"))
    (d,) = both.value.diagnostics
    assert d.line == 2 and "same platform" in d.message
    with pytest.raises(ConfigError) as missing:
        load_config(write_config(tmp_path, "accounts:\n  x: {consumer_key_env: X_KEY}\n"
                                           "defaults: {platforms: [x]}\n"))
    assert [d.line for d in missing.value.diagnostics] == [2]  # points into accounts.x


def test_graph_base_url_and_app_secret_env(tmp_path: Path) -> None:
    fb = "accounts:\n  facebook:\n    page_id: '1'\n"
    plain = load_config(write_config(tmp_path, fb + "defaults: {platforms: [facebook]}\n"))
    assert plain.facebook is not None
    assert plain.facebook.graph_base_url == "https://graph.facebook.com"
    assert plain.facebook.app_secret_env is None and plain.base_urls() == {}
    assert [c.env_var for c in plain.credentials()] == ["BMNSOCIAL_FACEBOOK_PAGE_TOKEN"]
    other = load_config(write_config(tmp_path, fb + "    graph_base_url: http://10.0.0.5:8701/\n"
                                     "    app_secret_env: BMN_FB_APP_SECRET\n"
                                     "defaults: {platforms: [facebook]}\n"))
    assert other.base_urls() == {"https://graph.facebook.com": "http://10.0.0.5:8701"}
    assert [c.env_var for c in other.credentials()][-1] == "BMN_FB_APP_SECRET"
    path = write_config(tmp_path, fb + "    graph_base_url: ftp://x?y=1\n"
                        f"    app_secret_env: {SECRET}\ndefaults: {{platforms: [facebook]}}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    found = {(d.code, d.line) for d in info.value.diagnostics}
    assert found == {("CONFIG-VALUE", 4), ("CONFIG-SECRET-IN-FILE", 5)}
    assert SECRET not in str(info.value)


def test_a_config_value_in_curly_quotes_is_said_instead_of_what_it_breaks(
        tmp_path: Path) -> None:
    path = write_config(tmp_path, "timezone: “America/Havana”\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (d,) = info.value.diagnostics  # not also "unknown time zone '“America/Havana”'"
    assert (d.code, d.line, d.column) == ("YAML-CURLY-QUOTES", 1, 11)
    assert d.hint == 'Remove them, or use straight quotes: "America/Havana".'


def test_a_name_in_curly_quotes_is_refused_not_kept_with_its_quotes(tmp_path: Path) -> None:
    path = write_config(tmp_path, 'accounts:\n  facebook:\n    page_id: "100064519523618"\n'
                                  "    page_name: «Biblioteca Médica Nacional»\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert [(d.code, d.line) for d in info.value.diagnostics] == [("YAML-CURLY-QUOTES", 4)]
    straight = write_config(tmp_path, 'accounts:\n  facebook:\n    page_id: "100064519523618"\n'
                                      "    page_name: '«Biblioteca Médica Nacional»'\n")
    assert load_config(straight).accounts["facebook"].page_name == "«Biblioteca Médica Nacional»"


def test_a_config_key_in_curly_quotes(tmp_path: Path) -> None:
    path = write_config(tmp_path, "“timezone”: America/Havana\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (d,) = info.value.diagnostics  # not also "unknown key"
    assert (d.code, d.line) == ("YAML-CURLY-QUOTES", 1)
    assert d.hint == "Write it without them: 'timezone:'."


def test_curly_quotes_inside_a_config_value_are_the_value(tmp_path: Path) -> None:
    path = write_config(tmp_path, "handoff:\n  notify_command: notify-send “Listo”\n")
    assert load_config(path).handoff.notify_command == ("notify-send", "“Listo”")


def test_config_check_says_curly_quotes_in_spanish(tmp_path: Path) -> None:
    path = write_config(tmp_path, "horizon_days: “60”\n")
    result = CliRunner().invoke(cli, ["--lang", "es", "--config", str(path), "config", "check"])
    assert result.exit_code == 2
    assert f"{path}:1:15: error[YAML-CURLY-QUOTES]" in result.output
    assert "comillas tipográficas" in result.output and "Traceback" not in result.output
