"""config.yaml: timezone, accounts, credential variable names, posting slots and defaults.

Secrets never live in the file: it names environment variables, and only their presence is
ever reported.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bmnsocial import categories
from bmnsocial.accounts import (
    LINK_POLICIES,
    SHARED_KEYS,
    Account,
    Credential,
    SharedSettings,
    number,
    read_shared,
)
from bmnsocial.diagnostics import Diagnostic, Severity, sort_key
from bmnsocial.errors import ConfigError
from bmnsocial.hashtags import check_hashtags
from bmnsocial.i18n import N_, _
from bmnsocial.platforms import registry
from bmnsocial.schema import Reader, did_you_mean, type_name
from bmnsocial.yamlsafe import Document, PathKey, load_bytes, load_file


def platform_name(text: str) -> str:
    """The platform's own name for what a person wrote (``X`` -> ``twitter``); anything else
    comes back lower-cased, for the caller to refuse."""
    return registry.canonical(text)


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_TIMEZONE = "America/Havana"
EMBEDDED = "<embedded default config>"

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True, slots=True)
class PublishSettings:
    timeout_seconds: float = 30.0
    retry_deadline_hours: float = 12.0
    retry_base_seconds: float = 30.0
    # The same text on X again this many days after it went out is a warning (an evergreen
    # post brought back), closer than that an error: X refuses a recent duplicate.
    duplicate_window_days: int = 30


MISFIRE_POLICIES = ("publish", "skip", "next_slot")


@dataclass(frozen=True, slots=True)
class HandoffSettings:
    # Run with the sheet's path as its last argument (never through a shell), e.g. to mail it.
    notify_command: tuple[str, ...] = ()
    notify_timeout_seconds: int = 60
    # `status` is unhealthy once a sheet has waited for a person longer than this.
    alert_after_hours: int = 24


@dataclass(frozen=True, slots=True)
class DaemonSettings:
    poll_seconds: float = 3.0
    misfire: str = "publish"  # what to do with an occurrence found late (MISFIRE_POLICIES)
    late_after_minutes: int = 5  # later than this counts as late
    grace_minutes: int = 180  # 'publish' publishes late only within this window
    max_catchup_per_hour: int = 3  # late publications per platform per hour, at most
    max_clock_skew_minutes: int = 5  # the local clock against the platforms' Date, at most

    def fate(self, late: timedelta, policy: str | None = None) -> str:
        """The one rule for how late a post may still go out, that the daemon, run-due and
        validate all apply: 'on-time', 'late' (published late, within the grace window),
        'moved' (to the next free slot) or 'skipped'. ``policy``: the post's own misfire."""
        if late <= timedelta(minutes=self.late_after_minutes):
            return "on-time"
        chosen = policy or self.misfire
        if chosen == "skip":
            return "skipped"
        if chosen == "next_slot":
            return "moved"
        return "late" if late <= timedelta(minutes=self.grace_minutes) else "skipped"


@dataclass(frozen=True, slots=True)
class ReviewSettings:
    """What `validate` refuses in the posts repository's review (docs/configuration.md)."""

    forbid_drafts: bool = False  # a post with 'draft: true' is an error, not a warning


@dataclass(frozen=True, slots=True)
class LedgerSettings:
    backup_days: int = 14  # daily backups in STATE_DIR/backups are kept this many days


DEFAULT_MIX_TOLERANCE = 0.5


@dataclass(frozen=True, slots=True)
class MixSettings:
    """The target mix of `bmnsocial report mix` (docs/report-mix.md)."""

    # Relative weight per category rank, as written (any scale; unlisted ranks weigh 0).
    # None: the default target, which follows the policy's ranking.
    target: dict[int, float] | None = None
    tolerance: float = DEFAULT_MIX_TOLERANCE  # how far a share may stray before a flag


DEFAULT_METRICS_AFTER_HOURS = (1, 24, 168)


@dataclass(frozen=True, slots=True)
class MetricsSettings:
    """When the daemon reads a published post's figures (docs/report-engagement.md)."""

    # Ages of a post, in hours, at which its figures are read; empty: only by hand.
    after_hours: tuple[int, ...] = DEFAULT_METRICS_AFTER_HOURS


@dataclass(frozen=True, slots=True)
class InboxSettings:
    """`bmnsocial inbox` (docs/inbox.md)."""

    answer_within_hours: int = 24  # `status` is unhealthy while an item waits longer
    # Whose comments and replies are read (only platforms that have them are asked).
    platforms: tuple[str, ...] = field(default_factory=registry.names)
    lookback_days: int = 30  # comments are read on posts published this recently


@dataclass(frozen=True, slots=True)
class Config:
    source: str
    base_dir: Path
    timezone_name: str
    timezone: ZoneInfo
    posts_dir: Path
    media_root: Path
    state_dir: Path
    # Each configured platform's account (its module's AccountSchema read it), in the
    # registry's order, and what every account section says besides its own keys.
    accounts: dict[str, Account] = field(default_factory=dict)
    shared: dict[str, SharedSettings] = field(default_factory=dict)
    slots: dict[int, tuple[time, ...]] = field(default_factory=dict)
    default_platforms: tuple[str, ...] = ()
    default_hashtags: tuple[str, ...] = ()
    require_alt_text: bool = True
    horizon_days: int = 60
    secrets_file: Path | None = None
    publish: PublishSettings = field(default_factory=lambda: PublishSettings())
    daemon: DaemonSettings = field(default_factory=lambda: DaemonSettings())
    mix: MixSettings = field(default_factory=lambda: MixSettings())
    ledger: LedgerSettings = field(default_factory=lambda: LedgerSettings())
    handoff: HandoffSettings = field(default_factory=lambda: HandoffSettings())
    inbox: InboxSettings = field(default_factory=lambda: InboxSettings())
    metrics: MetricsSettings = field(default_factory=lambda: MetricsSettings())
    review: ReviewSettings = field(default_factory=lambda: ReviewSettings())

    @property
    def platforms_configured(self) -> tuple[str, ...]:
        return tuple(self.accounts)

    def __getattr__(self, name: str) -> Any:
        """``config.<platform>``: that platform's account, None when unconfigured."""
        if name in registry.MODULES:
            return self.accounts.get(name)
        raise AttributeError(name)

    def account(self, platform: str) -> Any:
        """The account of ``platform`` (its module's account class), None when unconfigured."""
        return self.accounts.get(platform)

    @property
    def manual_platforms(self) -> frozenset[str]:
        """Platforms whose account is in manual mode: handed to a person, never to the API."""
        return frozenset(p for p, shared in self.shared.items() if shared.mode == "manual")

    def credentials(self) -> list[Credential]:
        return [c for name, account in self.accounts.items()
                if name not in self.manual_platforms for c in account.credentials()]

    def base_urls(self) -> dict[str, str]:
        """Public origin -> the compatible server configured to answer in its place."""
        return {origin: url for account in self.accounts.values()
                for origin, url in account.base_urls().items()}


def missing_credentials(config: Config, environ: Mapping[str, str] | None = None) -> list[
        Credential]:
    from bmnsocial import secrets

    found = secrets.resolve([c.env_var for c in config.credentials()], environ,
                            config.secrets_file)
    return [c for c in config.credentials() if c.env_var not in found]


def default_state_dir() -> Path:
    from platformdirs import user_state_dir

    return Path(user_state_dir("bmnsocial", appauthor=False))


def find_config_path(explicit: str | os.PathLike[str] | None = None,
                     environ: Mapping[str, str] | None = None) -> Path | None:
    """--config, then BMNSOCIAL_CONFIG, then ./config.yaml; None means the embedded default."""
    env = os.environ if environ is None else environ
    if explicit:
        return Path(explicit)
    if env.get("BMNSOCIAL_CONFIG"):
        return Path(env["BMNSOCIAL_CONFIG"])
    local = Path("config.yaml")
    return local if local.is_file() else None


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Load and validate a configuration; raise ConfigError listing every problem."""
    env = os.environ if environ is None else environ
    if path is None:
        raw = resources.files("bmnsocial").joinpath("data/config.default.yaml").read_bytes()
        loaded: Document | Diagnostic = load_bytes(raw, EMBEDDED)
        base_dir = Path.cwd()
    else:
        if not path.is_file():
            raise ConfigError([Diagnostic(str(path), 1, 1, Severity.ERROR, "CONFIG-MISSING",
                                          _("the configuration file does not exist."),
                                          _("Check --config / BMNSOCIAL_CONFIG, or copy the "
                                            "repository's config.yaml "
                                            "(docs/configuration.md)."))])
        loaded = load_file(path)
        base_dir = path.resolve().parent
    if isinstance(loaded, Diagnostic):
        if loaded.code == "FILE-EMPTY":
            loaded = dataclasses.replace(loaded, hint=_(
                "Copy the repository's config.yaml and adapt it (docs/configuration.md)."))
        raise ConfigError([loaded])
    return _parse(loaded, base_dir, env)


_TOP_KEYS = ("version", "timezone", "posts_dir", "media_root", "state_dir", "accounts", "slots",
             "defaults", "horizon_days", "secrets_file", "publish", "daemon", "mix",
             "ledger", "handoff", "inbox", "metrics", "review")
#: The keys of each section whose keys are fixed (accounts: one per platform; slots: WEEKDAYS).
SECTION_KEYS: dict[str, tuple[str, ...]] = {
    "defaults": ("platforms", "hashtags", "require_alt_text"),
    "publish": ("timeout_seconds", "retry_deadline_hours", "retry_base_seconds",
                "duplicate_window_days"),
    "daemon": ("poll_seconds", "misfire", "late_after_minutes", "grace_minutes",
               "max_catchup_per_hour", "max_clock_skew_minutes"),
    "mix": ("target", "tolerance"),
    "ledger": ("backup_days",),
    "handoff": ("notify_command", "notify_timeout_seconds", "alert_after_hours"),
    "inbox": ("answer_within_hours", "platforms", "lookback_days"),
    "metrics": ("after_hours",),
    "review": ("forbid_drafts",),
}
#: Each key of config.yaml as a person reads it (an editor's hover, `bmnsocial schema config`);
#: docs/configuration.md says more.
KEY_HELP: dict[str, str] = {
    "version": N_("Format version of config.yaml (1)."),
    "timezone": N_("The IANA time zone of every time in the posts: America/Havana."),
    "posts_dir": N_("The folder of the post files (relative to this file)."),
    "media_root": N_("The folder of the images and videos that posts name."),
    "state_dir": N_("Where the ledger and the state live (default: the user's state folder; "
                    "BMNSOCIAL_HOME overrides)."),
    "accounts": N_("One section per platform: the account and the names of the environment "
                   "variables that hold its secrets (never the secrets)."),
    "accounts.mode": N_("api: publish through the platform's API; manual: write a sheet for a "
                        "person to publish by hand."),
    "slots": N_("Posting times per weekday, for 'slot: next': monday: [\"09:30\", \"15:00\"]."),
    "defaults": N_("What a post gets when it does not say: platforms, hashtags, "
                   "require_alt_text."),
    "defaults.platforms": N_("Where a post is published when it names no platforms."),
    "defaults.hashtags": N_("Hashtags added to every post, without '#'."),
    "defaults.require_alt_text": N_("true: every image needs its alt text."),
    "horizon_days": N_("How many days ahead recurring posts are queued."),
    "secrets_file": N_("A KEY=VALUE file (mode 600) with the secrets, besides the environment."),
    "publish": N_("How publishing behaves: timeouts, retries, duplicates."),
    "publish.timeout_seconds": N_("How long to wait for a platform's answer."),
    "publish.retry_deadline_hours": N_("How long a failed publication keeps being retried."),
    "publish.retry_base_seconds": N_("The first wait before a retry (then it doubles)."),
    "publish.duplicate_window_days": N_("The same text again within this many days is an "
                                        "error, later a warning."),
    "daemon": N_("The scheduler: how often it looks, and what it does with late posts."),
    "daemon.poll_seconds": N_("How often the daemon looks at the queue."),
    "daemon.misfire": N_("A late post: publish (within grace_minutes), skip, or next_slot."),
    "daemon.late_after_minutes": N_("Later than this counts as late."),
    "daemon.grace_minutes": N_("'publish' publishes late only within this window."),
    "daemon.max_catchup_per_hour": N_("Late publications per platform per hour, at most."),
    "daemon.max_clock_skew_minutes": N_("How far the local clock may differ from the "
                                        "platforms' before nothing is published."),
    "mix": N_("The target mix of 'bmnsocial report mix'."),
    "mix.target": N_("A weight per category (slug or rank); only the ratios matter."),
    "mix.tolerance": N_("How far a share may stray from its target: 0.5 means ±50 %."),
    "ledger": N_("The ledger's backups."),
    "ledger.backup_days": N_("Daily backups are kept this many days."),
    "handoff": N_("Accounts in manual mode: how a person is told that a sheet waits."),
    "handoff.notify_command": N_("A command run with the sheet's path, e.g. to mail it."),
    "handoff.notify_timeout_seconds": N_("How long notify_command may run."),
    "handoff.alert_after_hours": N_("'status' is unhealthy once a sheet waits longer."),
    "inbox": N_("'bmnsocial inbox': comments and replies waiting for an answer."),
    "inbox.answer_within_hours": N_("'status' is unhealthy while an item waits longer."),
    "inbox.platforms": N_("Whose comments and replies are read."),
    "inbox.lookback_days": N_("Comments are read on posts published this recently."),
    "metrics": N_("When the figures of published posts are read."),
    "metrics.after_hours": N_("Ages of a post, in hours, at which its figures are read: "
                              "[1, 24, 168]; [] only when asked."),
    "review": N_("What the posts repository's review asks of the post files."),
    "review.forbid_drafts": N_("true: 'validate' refuses drafts ('draft: true'), so that none "
                               "is merged by mistake."),
}
SLOT_DAY_HELP = N_("Posting times on {day}, 24-hour and in quotes: [\"09:30\", \"15:00\"].")
ACCOUNT_SECTION_HELP = N_("The {platform} account (docs/configuration.md).")


def _parse(doc: Document, base_dir: Path, env: Mapping[str, str]) -> Config:
    r = Reader(doc, reference="docs/configuration.md")
    data = r.mapping(doc.data, (), _TOP_KEYS)
    if data is None:
        raise ConfigError(r.diagnostics)
    version = data.get("version", 1)
    if version != 1 and (isinstance(version, int) or str(version).isdigit()):
        r.error(("version",), "CONFIG-VALUE", _(
            "this config.yaml is format version {version}; this bmnsocial reads version 1."
        ).format(version=version), _("Upgrade bmnsocial, or write 'version: 1'."))
    else:
        r.integer(version, ("version",), minimum=1, maximum=1)

    tz_name = r.text(data.get("timezone", DEFAULT_TIMEZONE), ("timezone",)) or DEFAULT_TIMEZONE
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        r.error(("timezone",), "CONFIG-TIMEZONE",
                _("unknown time zone '{zone}'.").format(zone=tz_name),
                _("Use an IANA name such as America/Havana."))
        tz = ZoneInfo("UTC")

    def directory(key: str, default: str) -> Path:
        value = r.text(data.get(key, default), (key,)) or default
        p = Path(value).expanduser()
        return p if p.is_absolute() else base_dir / p

    posts_dir = directory("posts_dir", "posts")
    media_root = directory("media_root", "posts/media")
    if env.get("BMNSOCIAL_HOME"):
        state_dir = Path(env["BMNSOCIAL_HOME"]).expanduser()
    elif data.get("state_dir") is not None:
        state_dir = directory("state_dir", ".")
    else:
        state_dir = default_state_dir()

    accounts, shared = _accounts(r, data.get("accounts"))
    slots = _slots(r, data.get("slots"))
    platforms, hashtags, require_alt = _defaults(r, data.get("defaults"), tuple(accounts))
    horizon = r.integer(data.get("horizon_days", 60), ("horizon_days",), minimum=1,
                        maximum=366) or 60
    secrets_file = directory("secrets_file", "") if data.get("secrets_file") else None
    publish = _publish(r, data.get("publish"))
    daemon = _daemon(r, data.get("daemon"))
    mix = _mix(r, data.get("mix"))
    ledger = _ledger(r, data.get("ledger"))
    handoff = _handoff(r, data.get("handoff"))
    inbox = _inbox(r, data.get("inbox"))
    metrics = _metrics(r, data.get("metrics"))
    review = _review(r, data.get("review"))
    for p in platforms:
        if p not in accounts:
            r.error(("defaults", "platforms"), "CONFIG-PLATFORM",
                    _("default platform '{platform}' has no account under accounts.{platform}."
                      ).format(platform=p),
                    _("Add accounts.{platform} or remove it from defaults.platforms.").format(
                        platform=p))
    r.curly_quotes(lambda path: False)  # nothing here is published as written
    r.empty_values_cut_by_comments()
    if not r.ok:
        raise ConfigError(sorted((d for d in r.diagnostics if d.is_error), key=sort_key))
    return Config(
        source=doc.file, base_dir=base_dir, timezone_name=tz_name, timezone=tz,
        posts_dir=posts_dir, media_root=media_root, state_dir=state_dir,
        accounts=accounts, shared=shared, slots=slots, default_platforms=platforms,
        default_hashtags=hashtags, require_alt_text=require_alt, horizon_days=horizon,
        secrets_file=secrets_file, publish=publish, daemon=daemon, mix=mix, ledger=ledger,
        handoff=handoff, inbox=inbox, metrics=metrics, review=review)


def _handoff(r: Reader, value: Any) -> HandoffSettings:
    if value is None:
        return HandoffSettings()
    data = r.mapping(value, ("handoff",), SECTION_KEYS["handoff"])
    if data is None:
        return HandoffSettings()
    d = HandoffSettings()
    command: tuple[str, ...] = ()
    raw = data.get("notify_command")
    if isinstance(raw, str):
        import shlex

        try:
            command = tuple(shlex.split(raw))
        except ValueError as exc:
            r.error(("handoff", "notify_command"), "CONFIG-VALUE", _(
                "handoff.notify_command cannot be read as a command: {reason}.").format(
                    reason=exc), _("Write it as a list: [program, argument, ...]."))
    elif raw is not None:
        command = tuple(r.text_list(raw, ("handoff", "notify_command")) or ())
    timeout = r.integer(data.get("notify_timeout_seconds", d.notify_timeout_seconds),
                        ("handoff", "notify_timeout_seconds"), minimum=1, maximum=3600)
    alert = r.integer(data.get("alert_after_hours", d.alert_after_hours),
                      ("handoff", "alert_after_hours"), minimum=1, maximum=24 * 60)
    return HandoffSettings(notify_command=command,
                           notify_timeout_seconds=timeout or d.notify_timeout_seconds,
                           alert_after_hours=alert or d.alert_after_hours)


def _review(r: Reader, value: Any) -> ReviewSettings:
    if value is None:
        return ReviewSettings()
    data = r.mapping(value, ("review",), ("forbid_drafts",))
    if data is None:
        return ReviewSettings()
    forbid = r.boolean(data.get("forbid_drafts", False), ("review", "forbid_drafts"))
    return ReviewSettings(forbid_drafts=bool(forbid))


def _ledger(r: Reader, value: Any) -> LedgerSettings:
    if value is None:
        return LedgerSettings()
    data = r.mapping(value, ("ledger",), SECTION_KEYS["ledger"])
    if data is None:
        return LedgerSettings()
    d = LedgerSettings()
    days = r.integer(data.get("backup_days", d.backup_days), ("ledger", "backup_days"),
                     minimum=1, maximum=3660)
    return LedgerSettings(backup_days=days or d.backup_days)


def _inbox(r: Reader, value: Any) -> InboxSettings:
    d = InboxSettings()
    if value is None:
        return d
    data = r.mapping(value, ("inbox",), SECTION_KEYS["inbox"])
    if data is None:
        return d
    hours = r.integer(data.get("answer_within_hours", d.answer_within_hours),
                      ("inbox", "answer_within_hours"), minimum=1, maximum=24 * 60)
    days = r.integer(data.get("lookback_days", d.lookback_days), ("inbox", "lookback_days"),
                     minimum=1, maximum=366)
    platforms: list[str] = []
    names = r.text_list(data.get("platforms"), ("inbox", "platforms"))
    for i, name in enumerate(list(registry.names()) if names is None else names):
        checked = r.choice(platform_name(name) if isinstance(name, str) else name,
                           ("inbox", "platforms", i), registry.names())
        if checked and checked not in platforms:
            platforms.append(checked)
    return InboxSettings(answer_within_hours=hours or d.answer_within_hours,
                         platforms=tuple(platforms), lookback_days=days or d.lookback_days)


METRICS_MAX_HOURS = 24 * 366


def _metrics(r: Reader, value: Any) -> MetricsSettings:
    if value is None:
        return MetricsSettings()
    data = r.mapping(value, ("metrics",), SECTION_KEYS["metrics"])
    if data is None or "after_hours" not in data:
        return MetricsSettings()
    path: PathKey = ("metrics", "after_hours")
    raw = data["after_hours"]
    if not isinstance(raw, list):
        r.error(path, "SCHEMA-TYPE", _(
            "metrics.after_hours must be a list of hours, not {actual}.").format(
                actual=type_name(raw)),
            _("Write the ages at which figures are read, e.g. [1, 24, 168]; [] reads them "
              "only when asked."))
        return MetricsSettings()
    hours: set[int] = set()
    for i, item in enumerate(raw):
        found = r.integer(item, (*path, i), minimum=1, maximum=METRICS_MAX_HOURS)
        if found is not None:
            hours.add(found)
    return MetricsSettings(after_hours=tuple(sorted(hours)))


def _daemon(r: Reader, value: Any) -> DaemonSettings:
    if value is None:
        return DaemonSettings()
    data = r.mapping(value, ("daemon",), SECTION_KEYS["daemon"])
    if data is None:
        return DaemonSettings()
    d = DaemonSettings()
    poll = r.integer(data.get("poll_seconds", 3), ("daemon", "poll_seconds"), minimum=1,
                     maximum=300)
    misfire = r.choice(data.get("misfire", d.misfire), ("daemon", "misfire"), MISFIRE_POLICIES)
    late = r.integer(data.get("late_after_minutes", d.late_after_minutes),
                     ("daemon", "late_after_minutes"), minimum=1, maximum=24 * 60)
    grace = r.integer(data.get("grace_minutes", d.grace_minutes), ("daemon", "grace_minutes"),
                      minimum=0, maximum=14 * 24 * 60)
    cap = r.integer(data.get("max_catchup_per_hour", d.max_catchup_per_hour),
                    ("daemon", "max_catchup_per_hour"), minimum=1, maximum=100)
    skew = r.integer(data.get("max_clock_skew_minutes", d.max_clock_skew_minutes),
                     ("daemon", "max_clock_skew_minutes"), minimum=1, maximum=24 * 60)
    return DaemonSettings(
        poll_seconds=float(poll or d.poll_seconds), misfire=misfire or d.misfire,
        late_after_minutes=d.late_after_minutes if late is None else late,
        grace_minutes=d.grace_minutes if grace is None else grace,
        max_catchup_per_hour=cap or d.max_catchup_per_hour,
        max_clock_skew_minutes=skew or d.max_clock_skew_minutes)


def _mix(r: Reader, value: Any) -> MixSettings:
    if value is None:
        return MixSettings()
    data = r.mapping(value, ("mix",), SECTION_KEYS["mix"])
    if data is None:
        return MixSettings()
    tolerance = _number(r, data.get("tolerance"), ("mix", "tolerance"), maximum=10.0,
                        hint=_("A fraction of the target: 0.5 means ±50 %."))
    return MixSettings(target=_mix_target(r, data.get("target")),
                       tolerance=DEFAULT_MIX_TOLERANCE if tolerance is None else tolerance)


def _mix_target(r: Reader, value: Any) -> dict[int, float] | None:
    path: PathKey = ("mix", "target")
    if value is None:
        return None
    if not isinstance(value, dict):
        r.error(path, "SCHEMA-TYPE", _(
            "mix.target must be a mapping (category: weight lines), not {actual}.").format(
                actual=type_name(value)),
            _("Write one line per category, e.g. 'eventos-biblioteca: 17'."))
        return None
    errors_before = len(r.diagnostics)
    weights: dict[int, float] = {}
    named: dict[int, str] = {}
    for key, raw in value.items():
        found = categories.lookup(key)
        if found is None:
            starting = _(" or ").join(f"'{s}'" for s in categories.BY_SLUG
                                      if s.startswith(key.lower()))
            hint = (_("did you mean {choices}?").format(choices=starting) if starting else
                    did_you_mean(key.lower(), categories.BY_SLUG)
                    or _("Use a category slug or a rank from 1 to 17; run 'bmnsocial "
                         "categories'."))
            r.error((*path, key), "SCHEMA-UNKNOWN-KEY",
                    _("'{key}' in mix.target is not one of the 17 BMN categories.").format(
                        key=key), hint, key=True)
            continue
        if found.rank in named:
            r.error((*path, key), "CONFIG-VALUE", _(
                "mix.target names category {rank} ({slug}) twice: as '{first}' and as "
                "'{second}'.").format(rank=found.rank, slug=found.slug,
                                      first=named[found.rank], second=key),
                _("Keep one line per category."), key=True)
            continue
        named[found.rank] = key
        if raw is None:
            r.error((*path, key), "SCHEMA-EMPTY",
                    _("mix.target.{key} has no weight.").format(key=key),
                    _("Write a number after the colon, e.g. 'eventos-biblioteca: 17'."),
                    key=True)
            continue
        weight = _number(r, raw, (*path, key), maximum=None,
                         hint=_("A weight is a number >= 0; only the ratios matter."))
        if weight is not None:
            weights[found.rank] = weight
    if len(r.diagnostics) > errors_before:
        return None
    if not any(w > 0 for w in weights.values()):
        r.error(path, "CONFIG-VALUE", _("mix.target gives no category a weight above 0."),
                _("Give at least one category a positive weight, or remove mix.target to use "
                  "the ranking's default target."), key=True)
        return None
    return weights


_number = number
__all__ = ["LINK_POLICIES", "Config", "Credential", "load_config", "platform_name"]


def _publish(r: Reader, value: Any) -> PublishSettings:
    if value is None:
        return PublishSettings()
    data = r.mapping(value, ("publish",), SECTION_KEYS["publish"])
    if data is None:
        return PublishSettings()
    timeout = r.integer(data.get("timeout_seconds", 30), ("publish", "timeout_seconds"),
                        minimum=1, maximum=600) or 30
    deadline = r.integer(data.get("retry_deadline_hours", 12),
                         ("publish", "retry_deadline_hours"), minimum=0, maximum=24 * 14)
    base = r.integer(data.get("retry_base_seconds", 30), ("publish", "retry_base_seconds"),
                     minimum=1, maximum=3600) or 30
    window = r.integer(data.get("duplicate_window_days", 30),
                       ("publish", "duplicate_window_days"), minimum=1, maximum=3650)
    return PublishSettings(float(timeout), float(12 if deadline is None else deadline),
                           float(base), 30 if window is None else window)


def _accounts(r: Reader, value: Any) -> tuple[dict[str, Account],
                                             dict[str, SharedSettings]]:
    """Each platform's section, read by its own schema (``registry.get(name).account``)."""
    if value is None:
        return {}, {}
    aliases = registry.aliases()
    data = r.mapping(value, ("accounts",), (*registry.names(), *aliases))
    if data is None:
        return {}, {}
    # accounts.x is accounts.twitter: one section per platform, under either name.
    section = {name: name for name in registry.names()}
    for alias, name in aliases.items():
        if data.get(alias) is None:
            continue
        if data.get(name) is not None:
            r.error(("accounts", alias), "CONFIG-VALUE", _(
                "accounts.{alias} and accounts.{name} are the same platform.").format(
                    alias=alias, name=name), _("Keep one of the two sections."), key=True)
            continue
        section[name] = alias
        data = {**data, name: data[alias]}
    accounts: dict[str, Account] = {}
    shared: dict[str, SharedSettings] = {}
    for name in registry.names():
        if data.get(name) is None:
            continue
        schema = registry.get(name).account
        path: PathKey = ("accounts", section[name])
        m = r.mapping(data[name], path, (*SHARED_KEYS, *schema.keys),
                      required=schema.required)
        if m is not None:
            accounts[name] = schema.read(r, m, path)
            shared[name] = read_shared(r, m, path)
    return accounts, shared


def _slots(r: Reader, value: Any) -> dict[int, tuple[time, ...]]:
    if value is None:
        return {}
    data = r.mapping(value, ("slots",), WEEKDAYS)
    if data is None:
        return {}
    slots: dict[int, tuple[time, ...]] = {}
    for day, times in data.items():
        if day not in WEEKDAYS:
            continue
        parsed: list[time] = []
        for i, text in enumerate(r.text_list(times, ("slots", day)) or []):
            m = _HHMM.match(text.strip())
            if not m:
                r.error(("slots", day, i), "CONFIG-VALUE",
                        _("'{value}' is not a time of day.").format(value=text),
                        _("Write 24-hour times like \"09:30\" (in quotes)."))
                continue
            parsed.append(time(int(m.group(1)), int(m.group(2))))
        slots[WEEKDAYS.index(day)] = tuple(sorted(set(parsed)))
    return slots


def _defaults(r: Reader, value: Any, configured: tuple[str, ...]) -> tuple[
        tuple[str, ...], tuple[str, ...], bool]:
    """Without defaults.platforms a post goes to every platform that has an account."""
    if value is None:
        return configured, (), True
    data = r.mapping(value, ("defaults",), SECTION_KEYS["defaults"])
    if data is None:
        return configured, (), True
    platforms = []
    for i, name in enumerate(r.text_list(data.get("platforms"), ("defaults", "platforms"))
                             or list(configured)):
        checked = r.choice(platform_name(name) if isinstance(name, str) else name,
                           ("defaults", "platforms", i), registry.names())
        if checked:
            platforms.append(checked)
    hashtags = check_hashtags(r, r.text_list(data.get("hashtags"), ("defaults", "hashtags")) or [],
                              ("defaults", "hashtags"))
    require_alt = r.boolean(data.get("require_alt_text", True), ("defaults", "require_alt_text"))
    return tuple(platforms), hashtags, True if require_alt is None else require_alt
