"""Publishing through bmnsocial vs calling tweepy / facebook-sdk directly, against the same fakes.

Target: publishing through our pipeline, the way the daemon does it, costs at most 1.2x the
direct library calls. Run: ``python benchmarks/bench_publish.py [N] [--rounds R]
[--logging daemon|off] [--fakes process|threads] [--profile]``.

The fakes run in a child process (``_fakes.py``), as the platforms are remote in production:
their server threads then do not compete with the timed code for this process's GIL
(``--fakes threads`` serves them from this process, as the benchmark did before). Every side
talks to that one process. Side A ("direct"): ``tweepy.Client.create_tweet`` and
``facebook.GraphAPI.put_object(page, "feed")`` on sessions routed with ``mount_routes``.
The pipeline's sides send the same number of distinct texts of the same lengths, queued in a
long-lived ``Ledger`` (as ``bmnsocial post`` queues them; queueing is timed apart, because in
production it happens long before the publication), through the real adapters from
``build_adapter`` on ``build_session`` sessions:
- side D ("daemon", the verdict): the rows fall due one second apart on the publisher's clock,
  and each row's job (``Daemon.run_row``) runs when its time comes: it reads the row, checks
  the clock, applies the misfire policy, claims the row in a commit flushed to disk before
  anything is sent (one flush per row: the only row ready), sends, records the outcome;
- side B ("backlog"): the same jobs on rows all ready at once, as after a power cut: a job's
  flushed claim takes its platform's ready rows, up to 20 (the next jobs find them sent);
- side R ("run-due"): ``Publisher.run_ready`` on rows all ready (claims flushed 20 at a time).
Side F ("floor"): side A's calls, each after one commit flushed to disk in a database of its
own: the least any publisher that never sends twice must do (its intent on disk before the
request), and so the part of side D that no code of ours can remove.
Side M ("ledger minimum"): side A's calls on rows queued in a ``Ledger``, each call after the
row's claim (``Ledger.claim_batch`` of that row alone, flushed) and followed by its outcome
(``Ledger.mark_published``): the two writes of a ledger that keeps each row's state, and
nothing else of ours (no clock check, misfire policy, request meter, log line or adapter).
Rounds take turns A, F, M, D, B, R, A, F...; the fakes are reset before each side. The verdict
compares side D's median round with side A's (``--rounds``, default 9: the disk's flush times
make single rounds noisy); best rounds are shown too. With the default ``--logging daemon``
the root logger is set up as ``bmnsocial daemon`` sets it (INFO, secrets masked, one
formatted line per event), writing to /dev/null. ``--profile`` then shows where side D's
extra time goes: its ledger calls timed, a what-if where the claims are not flushed to disk
(unsafe: shows what that flush costs), and one round under cProfile. Exits 1 when over
target.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import logging
import os
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import facebook
import requests
import tweepy
from _common import enqueue_text, median, text_of, verdict
from _fakes import UNLIMITED_X, FakesProcess

from bmnsocial.config import Config, PublishSettings
from bmnsocial.platforms.facebook import FacebookAccount
from bmnsocial.platforms.routing import mount_routes
from bmnsocial.platforms.twitter import TwitterAccount
from bmnsocial.publish.connections import Connections
from bmnsocial.publish.ledger import Ledger, Status
from bmnsocial.publish.publisher import SystemClock
from bmnsocial.publish.runtime import Runtime
from bmnsocial.sandbox.credentials import SANDBOX_ACCOUNTS, SANDBOX_CREDENTIALS
from bmnsocial.sandbox.platforms import Sandbox
from bmnsocial.schedule.daemon import Daemon
from bmnsocial.secrets import install_log_redaction
from bmnsocial.timeutil import now as clock_now

TARGET = 1.2
PLATFORMS = ("twitter", "facebook")
LENGTHS = {"twitter": 240, "facebook": 600}
TIMEOUT = 10.0
PAGE_ID = SANDBOX_CREDENTIALS["facebook"]["page_id"]
ENV = {"fb": "BENCH_FB_TOKEN", "ck": "BENCH_X_CK", "cs": "BENCH_X_CS", "at": "BENCH_X_AT",
       "as": "BENCH_X_AS"}


class Fakes(Protocol):
    """Both fakes, served by a child process (``FakesProcess``) or by threads of this one
    (``Sandbox``)."""

    @property
    def routes(self) -> dict[str, str]: ...

    def reset(self) -> None: ...

    def published(self) -> list[dict[str, Any]]: ...


def make_config(folder: Path) -> Config:
    return Config(
        source=str(folder / "config.yaml"), base_dir=folder, timezone_name="America/Havana",
        timezone=ZoneInfo("America/Havana"), posts_dir=folder / "posts",
        media_root=folder / "media", state_dir=folder / "state",
        accounts={
            "facebook": FacebookAccount(page_id=PAGE_ID, page_name="BMN", api_version="v23.0",
                                        token_env=ENV["fb"]),
            "twitter": TwitterAccount(username=SANDBOX_ACCOUNTS["x"]["username"],
                                      consumer_key_env=ENV["ck"], consumer_secret_env=ENV["cs"],
                                      access_token_env=ENV["at"],
                                      access_token_secret_env=ENV["as"])},
        publish=PublishSettings(timeout_seconds=TIMEOUT))


def make_secrets() -> dict[str, str]:
    x = SANDBOX_CREDENTIALS["x"]
    return {ENV["fb"]: SANDBOX_CREDENTIALS["facebook"]["page_access_token"],
            ENV["ck"]: x["consumer_key"], ENV["cs"]: x["consumer_secret"],
            ENV["at"]: x["access_token"], ENV["as"]: x["access_token_secret"]}


def setup_logging(mode: str) -> None:
    if mode == "off":
        return
    # What `bmnsocial daemon` does: secrets masked in every record, INFO, one line per event.
    install_log_redaction()
    handler = logging.StreamHandler(open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def timed(fn: Callable[[], Any]) -> float:
    gc.collect()  # each timed part starts from a clean heap, not the previous side's garbage
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


class Direct:
    """Side A: the libraries as their documentation shows them, on routed sessions. Side F
    (``floor``): the same calls, each after one flushed SQLite commit of its own."""

    def __init__(self, sandbox: Fakes, folder: Path) -> None:
        self.client = tweepy.Client(**SANDBOX_CREDENTIALS["x"], wait_on_rate_limit=False)
        mount_routes(self.client.session, sandbox.routes, default_timeout=TIMEOUT)
        session = requests.Session()
        mount_routes(session, sandbox.routes, default_timeout=TIMEOUT)
        self.graph = facebook.GraphAPI(
            access_token=SANDBOX_CREDENTIALS["facebook"]["page_access_token"], session=session)
        self.graph.version = "v23.0"
        self.intents = flushed_db(folder / "floor.sqlite3")

    def call(self, platform: str, text: str) -> str:
        """One post through the library alone; the platform's id for it."""
        if platform == "twitter":
            return str(self.client.create_tweet(text=text, user_auth=True).data["id"])
        return str(self.graph.put_object(PAGE_ID, "feed", message=text)["id"])

    def run(self, platform: str, texts: list[str], floor: bool = False) -> float:
        def send() -> None:
            for text in texts:
                if floor:  # the least an exactly-once publisher does: its intent on disk first
                    self.intents.execute("INSERT INTO t VALUES (?)", (text,))
                self.call(platform, text)

        return timed(send)

    def run_minimum(self, platform: str, texts: list[str], ledger: Ledger,
                    round_no: int) -> float:
        """Side M: each call between its row's flushed claim and its recorded outcome."""
        now = datetime.now(UTC)
        rows = [enqueue_text(ledger, post_id=f"m{round_no}-{platform}-{i}", platform=platform,
                             text=text, due=now, now=now) for i, text in enumerate(texts)]

        def send() -> None:
            for row, text in zip(rows, texts, strict=True):
                claimed = ledger.claim_batch([row.id], "bench", datetime.now(UTC))[0]
                post_id = self.call(platform, text)
                ledger.mark_published(claimed.id, post_id, f"https://example.invalid/{post_id}",
                                      [post_id], datetime.now(UTC), current=claimed)

        return timed(send)

    def close(self) -> None:
        self.intents.close()


def flushed_db(path: Path) -> sqlite3.Connection:
    """A database whose every statement is a commit flushed to disk, as the ledger's claims
    are (write-ahead log, synchronous FULL)."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("CREATE TABLE IF NOT EXISTS t (v TEXT)")
    return db


class Pipeline:
    """Sides D, B and R: ledger rows -> Publisher -> real adapters, as the daemon and
    `run-due` use them."""

    def __init__(self, sandbox: Fakes, folder: Path) -> None:
        self.folder = folder
        self.config = make_config(folder)
        self.connections = BenchConnections(sandbox, make_secrets())
        self.rounds = 0
        self.ledger_time: dict[str, float] = {}
        self._processes: dict[tuple[str, type[Ledger]], tuple[Runtime, Daemon | None]] = {}

    def run(self, batches: dict[str, list[str]], side: str,
            profile: cProfile.Profile | None = None,
            ledger_class: type[Ledger] = Ledger) -> dict[str, tuple[float, float]]:
        """Per platform: (queueing time, publishing time) of one round of ``side``: "D" each
        row's daemon job when its time comes, "B" the daemon's jobs on a backlog, "R"
        Publisher.run_ready."""
        self.rounds += 1
        runtime, runner = self._process(side, ledger_class)
        ledger, publisher = runtime.ledger, runtime.publisher()
        clock = publisher.clock
        assert isinstance(clock, SteppedClock)
        out: dict[str, tuple[float, float]] = {}
        for platform, texts in batches.items():
            ids: list[int] = []
            # Side D's rows fall due one second apart, and each job runs when its row's time
            # comes on the publisher's clock: it finds only its own row ready and pays one
            # flushed claim for it, as when posts fall due one at a time. Sides B and R find
            # them all ready at once, each due as it is queued (on time: none is a late one
            # that the misfire policy would hold back).
            first_due = datetime.now(UTC) - timedelta(seconds=2 * len(texts) + 60)
            dues: list[datetime] = []

            def queue(platform: str = platform, texts: list[str] = texts, ids: list[int] = ids,
                      dues: list[datetime] = dues, first_due: datetime = first_due) -> None:
                for i, text in enumerate(texts):
                    now = datetime.now(UTC)
                    dues.append(first_due + timedelta(seconds=i) if side == "D" else now)
                    ids.append(enqueue_text(ledger, post_id=f"r{self.rounds}-{platform}-{i}",
                                            platform=platform, text=text, due=dues[-1],
                                            now=now).id)

            def publish(ids: list[int] = ids, dues: list[datetime] = dues) -> None:
                if runner is None:
                    publisher.run_ready()
                    return
                for row_id, due in zip(ids, dues, strict=True):  # each row's job, in turn
                    if side == "D":
                        clock.at(due)
                    runner.run_row(row_id)

            t_queue = timed(queue)
            if isinstance(ledger, TimedLedger):
                ledger.spent.clear()
            with profiling(profile):
                t_publish = timed(publish)
            if isinstance(ledger, TimedLedger):
                for name, seconds in ledger.spent.items():
                    if name != "upsert":  # queueing: not part of publishing
                        self.ledger_time[name] = self.ledger_time.get(name, 0.0) + seconds
            rows = [ledger.get(row_id) for row_id in ids]
            bad = [r for r in rows if r.status is not Status.PUBLISHED]
            assert not bad and len(rows) == len(texts), (len(rows), bad[:1])
            out[platform] = (t_queue, t_publish)
        return out

    def _process(self, side: str, ledger_class: type[Ledger]
                 ) -> tuple[Runtime, Daemon | None]:
        """One long-lived ledger and publisher per side, as in a process that runs for days
        (a ledger created for each round would time a young database's growing files)."""
        key = (side, ledger_class)
        if key not in self._processes:
            state = self.folder / f"state-{side}-{ledger_class.__name__}"
            # The composition root the daemon uses: its adapters, on sessions that hear the
            # platforms' Date for the clock's check, created once per process and kept.
            runtime = Runtime(replace(self.config, state_dir=state), self.connections)
            runtime._ledger = ledger_class(state / "ledger.sqlite3")
            runtime.publisher(SteppedClock())
            self._processes[key] = runtime, Daemon(runtime) if side != "R" else None
        return self._processes[key]

    def close(self) -> None:
        for runtime, runner in self._processes.values():
            if runner is not None:
                runner.watch_ledger.close()
            runtime.close()


class SteppedClock(SystemClock):
    """The system clock, set back by the benchmark so that a row's time has just come."""

    def __init__(self) -> None:
        self.behind = timedelta(0)

    def at(self, moment: datetime) -> None:
        self.behind = clock_now() - moment

    def now(self) -> datetime:
        return clock_now() - self.behind


class BenchConnections(Connections):
    """Requests to the benchmark's fakes, with their credentials."""

    def __init__(self, sandbox: Fakes, secrets: dict[str, str]) -> None:
        self.sandbox, self.secrets = sandbox, secrets

    def state_dir(self, base: Path) -> Path:
        return base

    def credentials(self, config: Config) -> dict[str, str]:
        return self.secrets

    def routes(self, config: Config) -> dict[str, str]:
        return dict(self.sandbox.routes)

    def close(self) -> None:
        pass


class TimedLedger(Ledger):
    """The ledger calls the publisher makes, timed (no profiler: its overhead would swamp them).
    Reads nested in a write (``get`` after each UPDATE) are counted in the write."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.spent: dict[str, float] = {}
        self.depth = 0

    def _timed(self, name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self.depth:  # inside another timed call: counted there
            return fn(*args, **kwargs)
        self.depth += 1
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            self.spent[name] = self.spent.get(name, 0.0) + time.perf_counter() - start
            self.depth -= 1

    def __getattribute__(self, name: str) -> Any:
        attr = super().__getattribute__(name)
        if name in TIMED_CALLS:
            return lambda *args, **kwargs: self._timed(name, attr, *args, **kwargs)
        return attr


class UnflushedLedger(Ledger):
    """For the what-if only: claims committed like every other write, without their flush."""

    @contextlib.contextmanager
    def _durable(self) -> Iterator[None]:
        yield


# What the daemon and the publisher call on its ledger while publishing ("get" also after
# each write), and queueing (timed apart).
TIMED_CALLS = frozenset({"upsert", "ready", "claim", "claim_batch", "save_progress",
                         "mark_published", "get", "record", "event_times", "later_due"})


@contextlib.contextmanager
def profiling(profile: cProfile.Profile | None) -> Iterator[None]:
    if profile is None:
        yield
        return
    profile.enable()
    try:
        yield
    finally:
        profile.disable()


def flush_times(folder: Path, n: int = 50) -> list[float]:
    """What one flushed SQLite commit costs on this disk right now (seconds each): the price
    of each durable claim, measured between rounds so that it shares their conditions."""
    db = flushed_db(folder / "flush.sqlite3")
    try:
        times = []
        for _ in range(n):
            start = time.perf_counter()
            db.execute("INSERT INTO t VALUES (?)", ("x" * 600,))
            times.append(time.perf_counter() - start)
        return times
    finally:
        db.close()


def texts_for(side: str, round_no: int, n: int) -> dict[str, list[str]]:
    # Unique per side and round: the fakes refuse a duplicate, and a reset must not be relied on.
    return {p: [text_of(f"{side}{round_no}-{p[0]}{i:05d}", LENGTHS[p]) for i in range(n)]
            for p in PLATFORMS}


def check_published(sandbox: Fakes, batches: dict[str, list[str]]) -> None:
    got: dict[str, set[str]] = {"twitter": set(), "facebook": set()}
    for item in sandbox.published():
        got["twitter" if item["platform"] == "x" else "facebook"].add(str(item["text"]))
    for platform, texts in batches.items():
        assert got[platform] == set(texts), f"{platform}: the fake did not get every text"


# label -> (file suffix, function name) pairs: where side D's time goes, for --profile.
BREAKDOWN: list[tuple[str, list[tuple[str, str]]]] = [
    ("Daemon.run_row (all of side D)", [("daemon.py", "run_row")]),
    ("  misfire policy (decide_misfire)", [("daemon.py", "decide_misfire")]),
    ("  Ledger.claim (one durable UPDATE per row)",
     [("ledger.py", "claim_batch"), ("ledger.py", "claim")]),
    ("  adapter.publish (library + HTTP + fake + progress)",
     [("twitter.py", "publish"), ("facebook.py", "publish")]),
    ("    Ledger.save_progress (UPDATE, own commit)", [("ledger.py", "save_progress")]),
    ("  Ledger.mark_published (transaction + commit)", [("ledger.py", "mark_published")]),
    ("  Ledger.get (SELECT + Row.from_sql, after each write)", [("ledger.py", "get")]),
    ("  payload decoding (from_payload_json)", [("publisher.py", "from_payload_json")]),
    ("  logging (Logger.info, formatting, masking)", [("__init__.py", "info")]),
    ("sqlite3 execute, all statements (mostly COMMIT + fsync)",
     [("~", "<method 'execute' of 'sqlite3.Connection' objects>")]),
    ("socket recv (waiting for the fake's answer)",
     [("~", "<method 'recv_into' of '_socket.socket' objects>")]),
]


def report_profile(profile: cProfile.Profile, posts: int) -> None:
    stats = pstats.Stats(profile)
    entries: dict[tuple[str, int, str], Any] = stats.stats  # type: ignore[attr-defined]
    print(f"\n== cProfile of one extra side-D round ({posts} posts, both platforms; main thread "
          "only, profiler overhead included)")
    print("cumulative time per post, by function:")
    for label, wanted in BREAKDOWN:
        total = sum(v[3] for (file, _, func), v in entries.items()
                    if any(func == name and file.endswith(suffix) for suffix, name in wanted))
        print(f"  {total / posts * 1e6:8.0f} µs  {label}")
    print("top 12 functions by own time:")
    stats.sort_stats("tottime").print_stats(12)


PIPELINE_SIDES = ("D", "B", "R")
SHOWN_SIDES = ("F", "M", *PIPELINE_SIDES)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=300, help="posts per platform (300)")
    parser.add_argument("--rounds", type=int, default=9, help="rounds of each side (9)")
    parser.add_argument("--logging", choices=("daemon", "off"), default="daemon")
    parser.add_argument("--fakes", choices=("process", "threads"), default="process",
                        help="serve the fakes from a child process (default: as remote "
                             "platforms are, off this process's GIL) or from threads of this one")
    parser.add_argument("--profile", action="store_true",
                        help="also profile one side-D round and show where its time goes")
    options = parser.parse_args()
    n: int = options.n
    setup_logging(options.logging)
    results: dict[str, dict[str, list[float]]] = {
        side: {p: [] for p in PLATFORMS} for side in ("A", "F", "M", *PIPELINE_SIDES, "Dq")}
    fakes: contextlib.AbstractContextManager[Fakes] = (
        FakesProcess() if options.fakes == "process"
        else Sandbox(x_options={"rate_limits": UNLIMITED_X}))
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as tmp, fakes as sandbox, \
            contextlib.ExitStack() as stack:
        direct = Direct(sandbox, Path(tmp))
        stack.callback(direct.close)
        minimum = Ledger(Path(tmp) / "state-M" / "ledger.sqlite3")
        stack.callback(minimum.close)
        pipeline = Pipeline(sandbox, Path(tmp))
        stack.callback(pipeline.close)
        # Warm-up of every side (connections, first-call caches), not measured.
        sandbox.reset()
        for p, texts in texts_for("wa", 0, 10).items():
            direct.run(p, texts)
            direct.run(p, [f"floor {text}" for text in texts], floor=True)
            direct.run_minimum(p, [f"minimum {text}" for text in texts], minimum, 0)
        for side in PIPELINE_SIDES:
            sandbox.reset()
            pipeline.run(texts_for(f"w{side}", 0, 10), side)
        flushes: list[float] = []
        for r in range(1, options.rounds + 1):
            sandbox.reset()
            batches = texts_for("a", r, n)
            for p in PLATFORMS:
                results["A"][p].append(direct.run(p, batches[p]))
            check_published(sandbox, batches)
            sandbox.reset()
            batches = texts_for("f", r, n)
            for p in PLATFORMS:
                results["F"][p].append(direct.run(p, batches[p], floor=True))
            check_published(sandbox, batches)
            sandbox.reset()
            batches = texts_for("m", r, n)
            for p in PLATFORMS:
                results["M"][p].append(direct.run_minimum(p, batches[p], minimum, r))
            check_published(sandbox, batches)
            for side in PIPELINE_SIDES:
                sandbox.reset()
                batches = texts_for(side.lower(), r, n)
                for p, (t_queue, t_publish) in pipeline.run(batches, side).items():
                    results[side][p].append(t_publish)
                    if side == "D":
                        results["Dq"][p].append(t_queue)
                check_published(sandbox, batches)
            flushes.extend(flush_times(Path(tmp)))
        diagnosis: dict[str, Any] = {}
        if options.profile:
            # Where side D's extra time goes: ledger calls timed without a profiler, a what-if
            # without the claims' flush, then one round under cProfile.
            sandbox.reset()
            pipeline.run(texts_for("t", 0, n), "D", ledger_class=TimedLedger)
            diagnosis["ledger"] = dict(pipeline.ledger_time)
            unflushed: dict[str, list[float]] = {p: [] for p in PLATFORMS}
            for r in range(1, options.rounds + 1):
                sandbox.reset()
                for p, (_, t_publish) in pipeline.run(texts_for("n", r, n), "D",
                                                      ledger_class=UnflushedLedger).items():
                    unflushed[p].append(t_publish)
            diagnosis["unflushed"] = unflushed
            sandbox.reset()
            diagnosis["profile"] = cProfile.Profile()
            pipeline.run(texts_for("p", 0, n), "D", profile=diagnosis["profile"])

    def per_post(side: str, p: str, pick: Callable[[list[float]], float]) -> float:
        return pick(results[side][p]) / n * 1e6

    def overall(side: str, pick: Callable[[list[float]], float]) -> float:
        """µs per pair of posts (one per platform)."""
        return sum(per_post(side, p, pick) for p in PLATFORMS)

    print(f"posts per platform per round: {n}; rounds: {options.rounds} "
          f"(A, F, M, D, B, R in turn); text lengths: X {LENGTHS['twitter']}, "
          f"Facebook {LENGTHS['facebook']} characters; "
          f"logging: {options.logging}; fakes served by: {options.fakes}")
    print("A = direct library calls; F = the same calls, each after one flushed commit (the "
          "floor of any exactly-once publisher); M = the same calls between a ledger row's flushed "
          "claim and its recorded outcome (the two writes of a ledger, nothing else of ours); "
          "D = the daemon's job for each row as its time "
          "comes (Daemon.run_row: one flushed claim per row); B = the daemon's jobs on a "
          "backlog (a job's flushed claim takes its platform's ready rows, up to 20); R = "
          "Publisher.run_ready (run-due: claims flushed 20 at a time)")
    print(f"{'µs per post':<12}{'median A':>10}" + "".join(
        f"{'median ' + side:>10}{side + '/A':>7}" for side in SHOWN_SIDES)
        + f"   {'best A':>7}{'best D':>8}{'D/A':>7}{'D queueing':>12}")
    for p in PLATFORMS:
        ma = per_post("A", p, median)
        ba, bd = per_post("A", p, min), per_post("D", p, min)
        print(f"{p:<12}{ma:>10.0f}" + "".join(
            f"{per_post(side, p, median):>10.0f}{per_post(side, p, median) / ma:>7.2f}"
            for side in SHOWN_SIDES)
            + f"   {ba:>7.0f}{bd:>8.0f}{bd / ba:>7.2f}{per_post('Dq', p, median):>12.0f}")
    ma, md = overall("A", median), overall("D", median)
    ba, bd = overall("A", min), overall("D", min)
    print(f"{'per pair':<12}{ma:>10.0f}" + "".join(
        f"{overall(side, median):>10.0f}{overall(side, median) / ma:>7.2f}"
        for side in SHOWN_SIDES) + f"   {ba:>7.0f}{bd:>8.0f}{bd / ba:>7.2f}")
    # The rounds' own ratios: how much they move (each round against side A's round just
    # before it).
    for side in SHOWN_SIDES:
        pairs = sorted(sum(results[side][p][i] for p in PLATFORMS)
                       / sum(results["A"][p][i] for p in PLATFORMS)
                       for i in range(options.rounds))
        print(f"{side}/A round by round: {', '.join(f'{x:.2f}' for x in pairs)}")
    ratio = md / ma
    print(f"ratio D/A overall (medians of {options.rounds} rounds, both platforms): "
          f"{ratio:.2f}x (target <= {TARGET}x) {verdict(ratio, TARGET)}; backlog (B/A): "
          f"{overall('B', median) / ma:.2f}x; run-due (R/A): {overall('R', median) / ma:.2f}x; "
          f"best rounds D/A: {bd / ba:.2f}x")
    mf = overall("F", median)
    print(f"above the exactly-once floor (D/F, medians): {md / mf:.2f}x; the floor itself (F/A): "
          f"{mf / ma:.2f}x: one flushed commit before each call, which D cannot do without")
    mm = overall("M", median)
    print(f"the ledger's two writes alone (M/A, medians): {mm / ma:.2f}x; the rest of the daemon's "
          f"path (D/M: clock check, misfire policy, request meter, log line, adapters): "
          f"{md / mm:.2f}x")
    deciles = statistics.quantiles(flushes, n=10)
    print(f"one flushed commit on this disk, between rounds ({len(flushes)} of them): median "
          f"{median(flushes) * 1e6:.0f} µs, mean {statistics.mean(flushes) * 1e6:.0f} µs, 90th "
          f"percentile {deciles[-1] * 1e6:.0f} µs (side D pays one per post, B and R one per "
          "20 posts; side A none)")
    with_queue = (md + sum(per_post("Dq", p, median) for p in PLATFORMS)) / ma
    print(f"for reference, D including queueing each row in the ledger (medians): "
          f"{with_queue:.2f}x")
    if diagnosis:
        posts = 2 * n
        print(f"\n== where side D's time goes ({posts} posts, both platforms)")
        print(f"extra time of D over A (medians): {(md - ma) / 2:.0f} µs per post")
        print("ledger calls made by the daemon and the publisher, timed in one round (µs per "
              "post):")
        for name, seconds in sorted(diagnosis["ledger"].items(), key=lambda kv: -kv[1]):
            print(f"  {seconds / posts * 1e6:8.0f} µs  Ledger.{name}")
        spent = sum(diagnosis["ledger"].values()) / posts * 1e6
        print(f"  {spent:8.0f} µs  all ledger calls")
        unflushed_us = sum(median(diagnosis["unflushed"][p]) for p in PLATFORMS) / n * 1e6
        print(f"what-if, claims not flushed to disk (unsafe: a power cut could then lead to a "
              f"resend), median of {options.rounds} rounds: D {unflushed_us:.0f} µs per pair, "
              f"ratio D/A {unflushed_us / ma:.2f}x")
        report_profile(diagnosis["profile"], posts)
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
