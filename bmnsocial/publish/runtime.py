"""The composition root: which ledger, which adapters, and where their requests go.

Everything that publishes gets its pieces from here. Where requests go and which credentials
they carry is a :class:`Connections` object chosen at the edge: :class:`PlatformConnections`
reaches the real platforms; the sandbox supplies its own (``bmnsocial.sandbox.connections``),
so nothing here knows the sandbox exists.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bmnsocial import secrets
from bmnsocial.config import Config
from bmnsocial.platforms import registry
from bmnsocial.publish.connections import Connections, PlatformConnections
from bmnsocial.publish.ledger import Ledger

if TYPE_CHECKING:
    from bmnsocial.platforms.base import Adapter
    from bmnsocial.publish.clocktrust import Clocks, ClockTrust
    from bmnsocial.publish.costs import RequestMeter
    from bmnsocial.publish.handoff import Handoff
    from bmnsocial.publish.native import NativeHandoff
    from bmnsocial.publish.publisher import Clock, Publisher

log = logging.getLogger("bmnsocial")
STOP_WAIT_SECONDS = 5.0  # for handoff.notify_command's runs, when the process ends


class Runtime:
    def __init__(self, config: Config, connections: Connections | None = None) -> None:
        self.config = config
        self.connections = connections or PlatformConnections()
        self._ledger: Ledger | None = None
        self._publisher: Publisher | None = None
        self._clock_trust: ClockTrust | None = None
        self._request_meter: RequestMeter | None = None
        secrets.install_log_redaction()

    @property
    def sandbox_mode(self) -> bool:
        return bool(self.connections.label)

    @property
    def state_dir(self) -> Path:
        return self.connections.state_dir(self.config.state_dir)

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            self._ledger = Ledger(self.state_dir / "ledger.sqlite3")
        return self._ledger

    def credentials(self) -> dict[str, str]:
        return self.connections.credentials(self.config)

    def adapter(self, platform: str) -> Adapter:
        from bmnsocial.platforms.http import build_session
        from bmnsocial.platforms.registry import build_adapter

        meter = self._meter()
        session = build_session(timeout=self.config.publish.timeout_seconds,
                                routes=self.connections.routes(self.config),
                                on_date=lambda date: self._saw_date(platform, date),
                                on_response=None if meter is None else
                                lambda response: meter.heard(platform, response),
                                base_urls=self.connections.base_urls(self.config))
        return build_adapter(platform, self.config, self.credentials(), session,
                             published=lambda: self.ledger.published_ids(platform))

    def _meter(self) -> RequestMeter | None:
        """Counts every answer in the ledger (publish/costs.py); without a usable ledger the
        requests still go, uncounted (an `accounts check` beside a damaged ledger)."""
        from bmnsocial.errors import LedgerUnavailable
        from bmnsocial.publish.costs import RequestMeter

        try:
            path = self.ledger.path  # opened: an older ledger gains the table first
        except LedgerUnavailable as exc:
            log.warning("requests not counted: %s", exc)
            return None
        if self._request_meter is None:
            self._request_meter = RequestMeter(path, self.config, self._now)
        return self._request_meter

    def _now(self) -> datetime:
        from bmnsocial.timeutil import now

        return self._publisher.clock.now() if self._publisher is not None else now()

    def _saw_date(self, platform: str, date: datetime) -> None:
        if self._clock_trust is not None:  # only what judges the clock (daemon, run-due) asks
            self._clock_trust.saw_date(platform, date)

    def clock_trust(self, clocks: Clocks | None = None) -> ClockTrust:
        """The judge of this machine's clock (publish/clocktrust.py); ``clocks``: the wall and
        monotonic clocks it reads (tests step one without the other)."""
        if self._clock_trust is None:
            from datetime import timedelta

            from bmnsocial.publish.clocktrust import ClockTrust

            self._clock_trust = ClockTrust(
                self.ledger, timedelta(minutes=self.config.daemon.max_clock_skew_minutes),
                clocks)
        return self._clock_trust

    def publisher(self, clock: Clock | None = None) -> Publisher:
        if self._publisher is None:
            from datetime import timedelta

            from bmnsocial.publish.publisher import Publisher, RetryPolicy

            settings = self.config.publish
            policy = RetryPolicy(base_seconds=settings.retry_base_seconds,
                                 reconcile_delay_seconds=settings.retry_base_seconds,
                                 deadline=timedelta(hours=settings.retry_deadline_hours))
            from bmnsocial.publish.costs import Budget

            self._publisher = Publisher(self.ledger, self.adapter, self.state_dir,
                                        policy=policy, clock=clock,
                                        budget=Budget(self.ledger, self.config),
                                        handoff=self.handoff())
            if self.native_platforms():
                self._publisher.native = lambda row: self.native_handoff(
                    self.ledger, row.platform).reconcile(row)
        return self._publisher

    def handoff(self) -> Handoff | None:
        """What writes the publishing sheets, when an account is in manual mode."""
        if not self.config.manual_platforms:
            return None
        from bmnsocial.publish.handoff import Handoff

        return Handoff(self.config, self.state_dir)

    def native_platforms(self) -> tuple[str, ...]:
        """The configured platforms whose own scheduler can hold a post (``native``)."""
        return tuple(name for name in registry.having("native")
                     if self.config.account(name) is not None)

    def native_handoff(self, ledger: Ledger, platform: str) -> NativeHandoff:
        """``platform``'s own scheduler, followed on ``ledger`` (accounts.facebook.handoff)."""
        from bmnsocial.publish.native import NativeHandoff

        scheduling = registry.get(platform).native
        assert scheduling is not None
        account = self.config.account(platform)
        return NativeHandoff(self.publisher(), ledger, platform, scheduling,
                             enabled=account is not None and scheduling.enabled(account))

    def close(self) -> None:
        if self._publisher is not None:
            if self._publisher.handoff is not None:
                # A stopping daemon must stop in time (systemd's TimeoutStopSec): a command
                # still running then goes on in its own session, unrecorded.
                self._publisher.handoff.wait(STOP_WAIT_SECONDS)
            self._publisher.close()
        if self._request_meter is not None:
            self._request_meter.close()
        if self._ledger is not None:
            self._ledger.close()
        self.connections.close()
