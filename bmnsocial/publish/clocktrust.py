"""Can this machine's clock be trusted to say that a post's time has come?

Three witnesses (docs/deploy.md, "The server's clock"):

- the monotonic clock, which no one sets: the wall clock may move only as far as it did, give
  or take NTP's slewing; a larger jump is a *step* (set by hand, or by NTP after a power cut);
- the platforms: every answer carries a ``Date``; the local clock may differ from it by at
  most ``daemon.max_clock_skew_minutes``;
- the ledger: it keeps the latest wall time seen while the clock was trusted, and the clock
  may not run earlier than that.

While any of them says no, the daemon and run-due claim nothing and take no misfire
decision, so nothing goes out early and nothing is skipped for good because of a wrong clock;
they carry on by themselves once the clock is right again.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from bmnsocial.i18n import _
from bmnsocial.publish.ledger import Ledger

log = logging.getLogger("bmnsocial.publish.clocktrust")

META_KEY = "clock"
# A wall clock that strays from the monotonic one by more than this (plus what NTP may slew
# meanwhile) was stepped. It is also how early, at most, a row can go out on a clock that
# steps just as it is claimed.
STEP_TOLERANCE_SECONDS = 2.0
SLEW_RATE = 0.0005  # NTP slews a clock by at most 500 µs per second
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")

STEP, SKEW, BEHIND, UNVERIFIED = "clock-step", "clock-skew", "clock-behind", "clock-unverified"


class Clocks(Protocol):
    def wall(self) -> datetime: ...

    def monotonic(self) -> float: ...


class SystemClocks:
    def wall(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


def boot_id() -> str:
    """Monotonic readings compare only within one boot of the machine."""
    try:
        return _BOOT_ID.read_text(encoding="ascii").strip()
    except OSError:
        return ""


def span(seconds: float) -> str:
    """'1 h 5 min', '4 min 10 s', '3 s': the size of a step or a skew."""
    whole = round(abs(seconds))
    if whole >= 3600:
        # To the nearest minute: a Date header has whole seconds and an answer takes a moment,
        # so a clock 2 h out measures 7,199 s as often as 7,200 (not "1 h 59 min").
        hours, minutes = divmod(round(whole / 60), 60)
        return f"{hours} h {minutes} min"
    minutes, secs = divmod(whole, 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


@dataclass(frozen=True, slots=True)
class Verdict:
    trusted: bool
    code: str = ""  # STEP, SKEW, BEHIND or UNVERIFIED when not trusted
    message: str = ""
    seconds: float = 0.0  # the step, the skew (local minus platform) or how far behind


TRUSTED = Verdict(True)


@dataclass(frozen=True, slots=True)
class _Witness:
    """A platform's ``Date`` and our monotonic reading when it came."""

    platform: str
    date: datetime
    monotonic: float


class ClockTrust:
    """Judges the clock before every claim. Thread-safe: the publishing thread reports the
    platforms' ``Date`` headers while the poll thread may judge and save."""

    def __init__(self, ledger: Ledger, max_skew: timedelta, clocks: Clocks | None = None) -> None:
        self.max_skew = max_skew
        self.clocks = clocks or SystemClocks()
        self._lock = threading.Lock()
        self._boot = boot_id()
        self._anchor: tuple[datetime, float] | None = None  # last trusted (wall, monotonic)
        self._latest: datetime | None = None
        self._witness: _Witness | None = None
        self._step_seen_at: float | None = None  # monotonic time the current step was seen
        # No platform has told this boot its time yet: the first claim waits for one (a clock
        # that came back wrong after a power cut shows no step).
        self._unverified = True
        self._logged = ""
        self._probed_at: float | None = None
        self._saved: tuple[float, _Witness | None] | None = None  # when, and with which answer
        self._load(ledger)

    def _load(self, ledger: Ledger) -> None:
        try:
            state = json.loads(ledger.get_meta(META_KEY) or "null")
        except ValueError:
            state = None
        if not isinstance(state, dict):
            return
        try:
            if state.get("latest"):
                self._latest = datetime.fromisoformat(state["latest"])
            if state.get("boot") != self._boot:
                return  # restarted: monotonic readings of another boot mean nothing here
            if state.get("anchor_wall") is not None:
                self._anchor = (datetime.fromisoformat(state["anchor_wall"]),
                                float(state["anchor_monotonic"]))
            if state.get("platform_date") is not None:
                self._witness = _Witness(str(state["platform"]),
                                         datetime.fromisoformat(state["platform_date"]),
                                         float(state["platform_monotonic"]))
                self._unverified = False
        except (KeyError, TypeError, ValueError):
            return

    def save(self, ledger: Ledger, *, unless_within: float = 0.0) -> None:
        """Keep the state in the ledger for `status`, run-due and the next start;
        ``unless_within``: not again so soon after the last time (seconds), unless a platform
        has answered since (the daemon calls this every poll)."""
        with self._lock:
            mono = self.clocks.monotonic()
            witness = self._witness
            if (self._saved is not None and mono - self._saved[0] < unless_within
                    and witness is self._saved[1]):
                return
            self._saved = (mono, witness)
            state: dict[str, Any] = {"boot": self._boot,
                                     "latest": self._latest.isoformat() if self._latest else None}
            if self._anchor is not None:
                state["anchor_wall"] = self._anchor[0].isoformat()
                state["anchor_monotonic"] = self._anchor[1]
            if self._witness is not None:
                state["platform"] = self._witness.platform
                state["platform_date"] = self._witness.date.isoformat()
                state["platform_monotonic"] = self._witness.monotonic
        ledger.set_meta(META_KEY, json.dumps(state))

    def may_probe(self, every_seconds: float) -> bool:
        """Whether to ask the platforms for their time now (and if so, noted as asked)."""
        with self._lock:
            mono = self.clocks.monotonic()
            if self._probed_at is not None and mono - self._probed_at < every_seconds:
                return False
            self._probed_at = mono
            return True

    def waive_confirmation(self) -> None:
        """No platform can be asked (no credentials): do not wait for one's answer."""
        with self._lock:
            self._unverified = False

    def saw_date(self, platform: str, date: datetime) -> None:
        """A platform answered with this ``Date`` just now."""
        with self._lock:
            self._witness = _Witness(platform, date, self.clocks.monotonic())

    def check(self, *, say: bool = True) -> Verdict:
        """``say``: log a change of verdict (the daemon's and run-due's; `status` prints its
        own)."""
        with self._lock:
            wall, mono = self.clocks.wall(), self.clocks.monotonic()
            verdict = self._judge(wall, mono)
            if verdict.trusted:
                self._anchor = (wall, mono)
                self._latest = wall if self._latest is None else max(self._latest, wall)
                self._step_seen_at = None
                self._unverified = False
            if say and verdict.code != self._logged:  # said once, and once when it is over
                if verdict.trusted:
                    log.warning(_("the clock is trustworthy again: publishing resumes"))
                else:
                    log.error("%s", verdict.message)
                self._logged = verdict.code
            return verdict

    def _judge(self, wall: datetime, mono: float) -> Verdict:
        skew = self._skew(wall, mono)
        if skew is not None and abs(skew) > self.max_skew.total_seconds():
            assert self._witness is not None
            return self._skewed(skew, self._witness.platform)
        step = self._step(wall, mono)
        if step is not None and self._step_seen_at is None:
            self._step_seen_at = mono
        # A platform's time agrees, and it came after any step seen.
        confirmed = skew is not None and self._witness is not None and (
            self._step_seen_at is None or self._witness.monotonic > self._step_seen_at)
        if step is not None and not confirmed:
            return Verdict(False, STEP, (_(
                "the system clock jumped {size} ahead: publishing is paused until a "
                "platform's time confirms the clock or it comes back") if step > 0 else _(
                "the system clock jumped {size} back: publishing is paused until a platform's "
                "time confirms the clock or it comes back")).format(size=span(step)), step)
        if step is None and self._step_seen_at is not None and not confirmed:
            self._step_seen_at = None  # it came back to where it was
        behind = (self._latest - wall).total_seconds() if self._latest else 0.0
        if behind > STEP_TOLERANCE_SECONDS and not confirmed:
            return Verdict(False, BEHIND, _(
                "the system clock is {size} earlier than the latest time the ledger recorded "
                "({latest}): it went back; publishing is paused until the clock is right"
            ).format(size=span(behind), latest=f"{self._latest:%Y-%m-%d %H:%M:%S} UTC"), behind)
        if self._unverified and not confirmed:
            return Verdict(False, UNVERIFIED, _(
                "no platform has confirmed the system clock since the machine started: "
                "publishing waits for a platform's answer"))
        if confirmed and behind > STEP_TOLERANCE_SECONDS:
            self._latest = wall  # recorded by a clock that was wrong, unnoticed
        return TRUSTED

    def _step(self, wall: datetime, mono: float) -> float | None:
        if self._anchor is None:
            return None
        anchor_wall, anchor_mono = self._anchor
        elapsed = mono - anchor_mono
        drift = (wall - anchor_wall).total_seconds() - elapsed
        return drift if abs(drift) > STEP_TOLERANCE_SECONDS + SLEW_RATE * abs(elapsed) else None

    def _skew(self, wall: datetime, mono: float) -> float | None:
        if self._witness is None:
            return None
        platform_now = self._witness.date + timedelta(seconds=mono - self._witness.monotonic)
        return (wall - platform_now).total_seconds()

    def _skewed(self, skew: float, platform: str) -> Verdict:
        limit = int(self.max_skew.total_seconds() // 60)
        message = (_("the system clock is {size} ahead of {platform}'s (more than {limit} min): "
                     "publishing is paused until the clock is right") if skew > 0 else
                   _("the system clock is {size} behind {platform}'s (more than {limit} min): "
                     "publishing is paused until the clock is right"))
        return Verdict(False, SKEW, message.format(size=span(skew), platform=platform,
                                                   limit=limit), skew)
