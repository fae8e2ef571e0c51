"""Publishing through bmnsocial vs calling tweepy / facebook-sdk directly, against the same fakes.

Target: publishing through our pipeline costs at most 1.2x the direct library calls. Run:
``python benchmarks/bench_publish.py [N] [--rounds R] [--logging daemon|off] [--profile]``.

One in-process ``Sandbox`` serves both sides. Side A ("direct"): ``tweepy.Client.create_tweet``
and ``facebook.GraphAPI.put_object(page, "feed")`` on sessions routed with ``mount_routes``.
Side B ("bmnsocial"): the same number of distinct texts of the same lengths, queued in a fresh
``Ledger`` (as ``bmnsocial post`` queues them) and sent by ``Publisher.run_ready`` with the real
adapters (``build_adapter``) on ``build_session`` sessions. Side B's publish time is the
``run_ready`` call alone (claim, send, record); queueing is timed apart, because in production
it happens long before the publication. Rounds alternate A, B, A, B...; the fakes are reset
before each side; the verdict uses each side's best round (medians are shown too: the disk's
fsync times make side B's noisy). With the default ``--logging daemon`` the root logger is set
up as ``bmnsocial daemon`` sets it (INFO, secrets masked, one formatted line per event),
writing to /dev/null. ``--profile`` then shows where side B's extra time goes: its ledger calls
timed, a what-if where the claims are not flushed to disk (unsafe: shows what that flush
costs), and one round under cProfile. Exits 1 when over target.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import logging
import os
import pstats
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import facebook
import requests
import tweepy
from _common import enqueue_text, median, text_of, verdict

from bmnsocial.config import Config, FacebookAccount, PublishSettings, TwitterAccount
from bmnsocial.platforms.base import Adapter
from bmnsocial.platforms.http import build_session
from bmnsocial.platforms.registry import build_adapter
from bmnsocial.platforms.routing import mount_routes
from bmnsocial.publish.ledger import Ledger, Status
from bmnsocial.publish.publisher import Publisher
from bmnsocial.sandbox.credentials import SANDBOX_ACCOUNTS, SANDBOX_CREDENTIALS
from bmnsocial.sandbox.fake_x import DEFAULT_RATE_LIMITS
from bmnsocial.sandbox.platforms import Sandbox
from bmnsocial.secrets import install_log_redaction

TARGET = 1.2
PLATFORMS = ("twitter", "facebook")
LENGTHS = {"twitter": 240, "facebook": 600}
TIMEOUT = 10.0
PAGE_ID = SANDBOX_CREDENTIALS["facebook"]["page_id"]
ENV = {"fb": "BENCH_FB_TOKEN", "ck": "BENCH_X_CK", "cs": "BENCH_X_CS", "at": "BENCH_X_AT",
       "as": "BENCH_X_AS"}


def make_config(folder: Path) -> Config:
    return Config(
        source=str(folder / "config.yaml"), base_dir=folder, timezone_name="America/Havana",
        timezone=ZoneInfo("America/Havana"), posts_dir=folder / "posts",
        media_root=folder / "media", state_dir=folder / "state",
        facebook=FacebookAccount(page_id=PAGE_ID, page_name="BMN", api_version="v23.0",
                                 token_env=ENV["fb"]),
        twitter=TwitterAccount(username=SANDBOX_ACCOUNTS["x"]["username"],
                               consumer_key_env=ENV["ck"], consumer_secret_env=ENV["cs"],
                               access_token_env=ENV["at"], access_token_secret_env=ENV["as"]),
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
    """Side A: the libraries as their documentation shows them, on routed sessions."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.client = tweepy.Client(**SANDBOX_CREDENTIALS["x"], wait_on_rate_limit=False)
        mount_routes(self.client.session, sandbox.routes, default_timeout=TIMEOUT)
        session = requests.Session()
        mount_routes(session, sandbox.routes, default_timeout=TIMEOUT)
        self.graph = facebook.GraphAPI(
            access_token=SANDBOX_CREDENTIALS["facebook"]["page_access_token"], session=session)
        self.graph.version = "v23.0"

    def run(self, platform: str, texts: list[str]) -> float:
        if platform == "twitter":
            def send() -> None:
                for text in texts:
                    self.client.create_tweet(text=text, user_auth=True)
        else:
            def send() -> None:
                for text in texts:
                    self.graph.put_object(PAGE_ID, "feed", message=text)
        return timed(send)


class Pipeline:
    """Side B: ledger rows -> Publisher -> real adapters, as the daemon and `post` use them."""

    def __init__(self, sandbox: Sandbox, folder: Path) -> None:
        self.folder = folder
        config = make_config(folder)
        secrets = make_secrets()
        # One session per platform, as Runtime.adapter builds them; kept across rounds like
        # the long-lived clients of side A.
        self.adapters: dict[str, Adapter] = {
            p: build_adapter(p, config, secrets,
                             build_session(timeout=TIMEOUT, routes=sandbox.routes))
            for p in PLATFORMS}
        self.rounds = 0
        self.ledger_time: Counter[str] = Counter()

    def run(self, batches: dict[str, list[str]], *, profile: cProfile.Profile | None = None,
            ledger_class: type[Ledger] = Ledger) -> dict[str, tuple[float, float]]:
        """Per platform: (queueing time, publishing time)."""
        self.rounds += 1
        state = self.folder / f"state-{self.rounds}"
        ledger = ledger_class(state / "ledger.sqlite3")
        publisher = Publisher(ledger, self.adapters.__getitem__, state)
        out: dict[str, tuple[float, float]] = {}
        try:
            for platform, texts in batches.items():
                def queue(platform: str = platform, texts: list[str] = texts) -> None:
                    for i, text in enumerate(texts):
                        now = datetime.now(UTC)
                        enqueue_text(ledger, post_id=f"r{self.rounds}-{platform}-{i}",
                                     platform=platform, text=text, due=now, now=now)

                t_queue = timed(queue)
                if isinstance(ledger, TimedLedger):
                    ledger.spent.clear()
                if profile is not None:
                    profile.enable()
                t_publish = timed(publisher.run_ready)
                if profile is not None:
                    profile.disable()
                if isinstance(ledger, TimedLedger):
                    for name, seconds in ledger.spent.items():
                        self.ledger_time[name] += seconds
                rows = ledger.rows(platform=platform)
                bad = [r for r in rows if r.status is not Status.PUBLISHED]
                assert not bad and len(rows) == len(texts), (len(rows), bad[:1])
                out[platform] = (t_queue, t_publish)
        finally:
            publisher.close()
            ledger.close()
        return out


class TimedLedger(Ledger):
    """The ledger calls the publisher makes, timed (no profiler: its overhead would swamp them).
    Reads nested in a write (``get`` after each UPDATE) are counted in the write."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.spent: Counter[str] = Counter()
        self.depth = 0

    def _timed(self, name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self.depth:  # inside another timed call: counted there
            return fn(*args, **kwargs)
        self.depth += 1
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            self.spent[name] += time.perf_counter() - start
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


# What the publisher calls on its ledger while publishing ("get" also after each write).
TIMED_CALLS = frozenset({"ready", "claim", "claim_batch", "save_progress", "mark_published",
                         "get"})


def texts_for(side: str, round_no: int, n: int) -> dict[str, list[str]]:
    # Unique per side and round: the fakes refuse a duplicate, and a reset must not be relied on.
    return {p: [text_of(f"{side}{round_no}-{p[0]}{i:05d}", LENGTHS[p]) for i in range(n)]
            for p in PLATFORMS}


def check_published(sandbox: Sandbox, batches: dict[str, list[str]]) -> None:
    got: dict[str, set[str]] = {"twitter": set(), "facebook": set()}
    for item in sandbox.published():
        got["twitter" if item["platform"] == "x" else "facebook"].add(str(item["text"]))
    for platform, texts in batches.items():
        assert got[platform] == set(texts), f"{platform}: the fake did not get every text"


# label -> (file suffix, function name) pairs: where side B's time goes, for --profile.
BREAKDOWN: list[tuple[str, list[tuple[str, str]]]] = [
    ("Publisher.run_ready (all of side B)", [("publisher.py", "run_ready")]),
    ("  Ledger.ready + reconcile_pending (queries)",
     [("ledger.py", "ready"), ("publisher.py", "reconcile_pending")]),
    ("  Ledger.claim_batch (one durable UPDATE per batch of 20)",
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
    print(f"\n== cProfile of one extra side-B round ({posts} posts, both platforms; main thread "
          "only, profiler overhead included)")
    print("cumulative time per post, by function:")
    for label, wanted in BREAKDOWN:
        total = sum(v[3] for (file, _, func), v in entries.items()
                    if any(func == name and file.endswith(suffix) for suffix, name in wanted))
        print(f"  {total / posts * 1e6:8.0f} µs  {label}")
    print("top 12 functions by own time:")
    stats.sort_stats("tottime").print_stats(12)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=300, help="posts per platform (300)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each side (5)")
    parser.add_argument("--logging", choices=("daemon", "off"), default="daemon")
    parser.add_argument("--profile", action="store_true",
                        help="also profile one side-B round and show where its time goes")
    options = parser.parse_args()
    n = options.n
    setup_logging(options.logging)
    results: dict[str, dict[str, list[float]]] = {
        side: {p: [] for p in PLATFORMS} for side in ("A", "B", "Bq")}
    # X's real limit of 100 tweets per 15 min (which the fake enforces) would stop a round.
    limits = {**DEFAULT_RATE_LIMITS, "POST /2/tweets": 10**9}
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as tmp, \
            Sandbox(x_options={"rate_limits": limits}) as sandbox:
        direct = Direct(sandbox)
        pipeline = Pipeline(sandbox, Path(tmp))
        # Warm-up of both sides (connections, first-call caches), not measured.
        sandbox.reset()
        for p, texts in texts_for("wa", 0, 10).items():
            direct.run(p, texts)
        sandbox.reset()
        pipeline.run(texts_for("wb", 0, 10))
        for r in range(1, options.rounds + 1):
            sandbox.reset()
            batches = texts_for("a", r, n)
            for p in PLATFORMS:
                results["A"][p].append(direct.run(p, batches[p]))
            check_published(sandbox, batches)
            sandbox.reset()
            batches = texts_for("b", r, n)
            for p, (t_queue, t_publish) in pipeline.run(batches).items():
                results["B"][p].append(t_publish)
                results["Bq"][p].append(t_queue)
            check_published(sandbox, batches)
        diagnosis: dict[str, Any] = {}
        if options.profile:
            # Where side B's extra time goes: ledger calls timed without a profiler, a what-if
            # without the claims' flush, then one round under cProfile.
            sandbox.reset()
            pipeline.run(texts_for("t", 0, n), ledger_class=TimedLedger)
            diagnosis["ledger"] = dict(pipeline.ledger_time)
            normal: dict[str, list[float]] = {p: [] for p in PLATFORMS}
            for r in range(1, options.rounds + 1):
                sandbox.reset()
                for p, (_, t_publish) in pipeline.run(texts_for("n", r, n),
                                                      ledger_class=UnflushedLedger).items():
                    normal[p].append(t_publish)
            diagnosis["normal"] = normal
            sandbox.reset()
            diagnosis["profile"] = cProfile.Profile()
            pipeline.run(texts_for("p", 0, n), profile=diagnosis["profile"])

    def per_post(side: str, p: str, pick: Callable[[list[float]], float]) -> float:
        return pick(results[side][p]) / n * 1e6

    print(f"posts per platform per round: {n}; rounds: {options.rounds} (A, B alternating); "
          f"text lengths: X {LENGTHS['twitter']}, Facebook {LENGTHS['facebook']} characters; "
          f"logging: {options.logging}")
    print(f"{'µs per post':<12}{'best A':>9}{'best B':>9}{'B/A':>7}{'median A':>11}"
          f"{'median B':>11}{'B/A':>7}{'B queueing':>12}")
    totals = {k: 0.0 for k in ("A", "B", "mA", "mB", "q")}
    for p in PLATFORMS:
        a, b = per_post("A", p, min), per_post("B", p, min)
        median_a, median_b = per_post("A", p, median), per_post("B", p, median)
        q = per_post("Bq", p, median)
        for key, value in zip(("A", "B", "mA", "mB", "q"), (a, b, median_a, median_b, q),
                              strict=True):
            totals[key] += value
        print(f"{p:<12}{a:>9.0f}{b:>9.0f}{b / a:>7.2f}{median_a:>11.0f}{median_b:>11.0f}"
              f"{median_b / median_a:>7.2f}{q:>12.0f}")
    for p in PLATFORMS:
        ratio = per_post("B", p, min) / per_post("A", p, min)
        print(f"ratio B/A {p} (best rounds): {ratio:.2f}x (target <= {TARGET}x) "
              f"{verdict(ratio, TARGET)}")
    ratio = totals["B"] / totals["A"]
    print(f"ratio B/A overall (best rounds, both platforms: A {totals['A']:.0f} µs, B "
          f"{totals['B']:.0f} µs per pair of posts): {ratio:.2f}x (target <= {TARGET}x) "
          f"{verdict(ratio, TARGET)}; with medians: {totals['mB'] / totals['mA']:.2f}x")
    with_queue = (totals["mB"] + totals["q"]) / totals["mA"]
    print(f"for reference, B including queueing each row in the ledger (medians): "
          f"{with_queue:.2f}x")
    if diagnosis:
        posts = 2 * n
        print(f"\n== where side B's time goes ({posts} posts, both platforms)")
        print(f"extra time of B over A (best rounds): {(totals['B'] - totals['A']) / 2:.0f} µs "
              "per post")
        print("ledger calls made by the publisher, timed in one round (µs per post):")
        for name, seconds in sorted(diagnosis["ledger"].items(), key=lambda kv: -kv[1]):
            print(f"  {seconds / posts * 1e6:8.0f} µs  Ledger.{name}")
        spent = sum(diagnosis["ledger"].values()) / posts * 1e6
        print(f"  {spent:8.0f} µs  all ledger calls")
        b_normal = sum(min(diagnosis["normal"][p]) for p in PLATFORMS) / n * 1e6
        print(f"what-if, claims not flushed to disk (unsafe: a power cut could then lead to a "
              f"resend), best of {options.rounds} rounds: B {b_normal:.0f} µs per pair, ratio "
              f"B/A {b_normal / totals['A']:.2f}x")
        report_profile(diagnosis["profile"], posts)
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
