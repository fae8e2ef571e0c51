"""What every platform provides: how a post is composed for it, what it refuses, and how it is
published (the adapter contract and the error taxonomy)."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from bmnsocial.accounts import AccountSchema
from bmnsocial.i18n import N_
from bmnsocial.posts.media import MediaInfo, MediaProblem, OpenedMedia, open_queued
from bmnsocial.reasons import Reason
from bmnsocial.yamlsafe import PathKey

if TYPE_CHECKING:
    import requests
    from requests import Response

    from bmnsocial.graphversions import VersionState
    from bmnsocial.platforms.conversations import Conversations
    from bmnsocial.platforms.rendered import Finding, Rendered
    from bmnsocial.posts.model import Content

#: What the ledger knows a platform published: every part's id and the URL, for each row.
PublishedRows = Callable[[], list[tuple[tuple[str, ...], str]]]


@dataclass(frozen=True, slots=True)
class Platform:
    """One platform, all of it: what each platform module declares as ``PLATFORM`` and the
    registry hands out. Platform modules import no config and no post model at run time, so
    the config reader can read their ``account`` schema (docs/architecture.md)."""

    name: str  # the key in config.yaml, post files, the ledger and the CLI
    label: str  # its display name
    abbreviation: str  # in narrow columns (calendar cells)
    account: AccountSchema
    post_keys: tuple[str, ...]  # what a post's section for this platform may override
    spec: Callable[[], PlatformSpec]
    adapter: Callable[..., Adapter]  # (account, secrets, session, *, timeout, **options)
    url: re.Pattern[str]  # a post URL on this platform matches it whole
    aliases: tuple[str, ...] = ()  # other names people use, accepted wherever it is named
    # What previews call several messages of one post (English, marked with N_).
    thread_kind: str = N_("thread of {count} messages")
    # What `accounts check` says of a token that never expires (English, marked with N_);
    # None: the platform's token has an expiry to read, or nothing to say.
    token_note: str | None = None
    # Extra constructor arguments for the adapter, from its account and what the ledger knows
    # this platform published (Telegram reads its channel from the newest id it knows).
    adapter_options: Callable[[Any, PublishedRows], Mapping[str, Any]] | None = None
    # The account a person publishes with by hand (its name and address), for the publishing
    # sheets of accounts.<platform>.mode: manual; and an address to show as an example.
    person: Callable[[Any], tuple[str, str]] | None = None
    url_example: str = ""
    duplicate_window: timedelta | None = None  # the platform refuses the same text again within it

    def url_matches(self, url: str) -> bool:
        return self.url.fullmatch(url) is not None

    # Optional capabilities: what only some platforms do (docs/architecture.md). The core finds
    # them through the registry (``registry.having``, ``registry.capability``) and never asks
    # for a platform by name.
    pricing: Pricing | None = None  # it charges per request (report cost, budget, previews)
    native: NativeScheduling | None = None  # its own scheduler takes posts ahead of time
    # The state of the API version its account is set to (config show, status); the check
    # gives None for a version it does not know.
    api_version: Callable[[Any, datetime], VersionState | None] | None = None
    # Comments and replies a person may answer (`bmnsocial inbox`), read through its adapter.
    conversations: Callable[[Adapter], Conversations] | None = None
    metrics: bool = False  # its adapter's read_figures tells figures (metrics, engagement)
    no_metrics: str | None = None  # why its figures are never read (English, marked with N_)
    # Its figures as the common ones (reactions, comments, shares, impressions), given the
    # post's number of parts; None: its adapter already tells them by those names.
    common_figures: Callable[[Mapping[str, int], int], dict[str, int]] | None = None
    connect: Connect | None = None  # `bmnsocial accounts connect <name>`: tokens that last
    # What `accounts check` reads of a token whose expiry the platform tells (Facebook's);
    # a platform with ``token_note`` has nothing to read.
    token_check: Callable[[Any, TokenQuestion], TokenReport] | None = None
    # The module of its HTML mock-up (platforms/mockup.py says what it holds); "": a plain card.
    mockup: str = ""
    # The name its account shows people (a Page's name), drawn on the other mock-ups too.
    display_name: Callable[[Any], str | None] | None = None


@dataclass(frozen=True, slots=True)
class Charge:
    kind: str  # a key of the platform's price labels ('other': a request it does not price)
    units: int  # requests for writes, resources returned for reads
    usd: float
    part: int = 0  # which message of a thread (0-based) it belongs to


def total(charges: Iterable[Charge]) -> float:
    return round(sum(c.usd for c in charges), 6)


@dataclass(frozen=True, slots=True)
class Pricing:
    """A platform that charges per request (X): what publishing a rendering will cost, what
    each answered request cost, and the account's monthly budget (docs/report-cost.md)."""

    prices: Callable[[Any], Any]  # its account (None: not configured) -> its price table
    # (rendered, prices, first part still to send) -> the requests it will bill
    publication: Callable[[Rendered, Any, int], list[Charge]]
    answered: Callable[[Response, Any], Charge]  # what an answered request cost
    describe: Callable[[Charge], str]  # one priced request, for a person
    budget: Callable[[Any], float | None]  # its account -> the monthly budget in USD, or None
    post_read: Callable[[Any], float]  # its prices -> what one post a read returns costs
    # The heading of a preview's cost lines (English, marked with N_; {date}: prices_date).
    heading: str
    prices_date: str

    def publication_cost(self, rendered: Rendered, prices: Any, first_part: int = 0) -> float:
        return total(self.publication(rendered, prices, first_part))


@dataclass(frozen=True, slots=True)
class ScheduledPost:
    """A post the platform's own scheduler holds."""

    id: str
    text: str
    publish_at: datetime | None


class NativeScheduler(Protocol):
    """A platform's own scheduler for one account (publish/native.py follows it)."""

    def create(self, rendered: Rendered, when: datetime, checkpoint: Checkpoint) -> str: ...

    def scheduled(self) -> list[ScheduledPost]: ...

    def update(self, post_id: str, *, message: str | None = None,
               when: datetime | None = None) -> None: ...

    def delete(self, post_id: str) -> None: ...

    def state(self, post_id: str) -> tuple[bool, str]:
        """Whether the post is published, and its address."""
        ...


@dataclass(frozen=True, slots=True)
class NativeScheduling:
    """A platform whose own scheduler can hold a post until its time (Facebook's), so a
    power cut at the BMN at the due time cannot stop it."""

    scheduler: Callable[[Adapter], NativeScheduler]
    enabled: Callable[[Any], bool]  # its account -> are new occurrences handed to it?
    min_lead: timedelta  # how far ahead of its time a post may be handed to it, at least
    max_lead: timedelta  # and at most


class Dialogue(Protocol):
    """What a connect flow may do with the person at the terminal (cli/accounts.py)."""

    session: requests.Session
    sandbox: bool
    options: Mapping[str, str | None]  # the values of the flow's own options

    def now(self) -> datetime: ...

    def describe(self, moment: datetime) -> str:
        """A time for the reader, in the config's zone."""
        ...

    def secret(self, label: str, sandbox_value: str | None = None) -> str:
        """Asked with the typing hidden (or a line of standard input); never an argument."""
        ...

    def visible(self, label: str) -> str: ...

    def say(self, text: str) -> None: ...

    def fake(self) -> Mapping[str, str]:
        """The sandbox's fake values for this platform's flow (empty outside it)."""
        ...

    def known(self, names: Sequence[str]) -> Mapping[str, str]:
        """The credentials among ``names`` already set (environment or secrets file)."""
        ...

    def address(self, url: str) -> str:
        """Where a person opens ``url`` (in the sandbox, its fake's own page)."""
        ...


@dataclass(frozen=True, slots=True)
class Connected:
    """What a connect flow got: the credentials to store (variable name -> value), what the
    platform said of the token, and what to tell the person once they are stored."""

    stored: dict[str, str]
    expires_at: datetime | None = None
    data_access_expires_at: datetime | None = None
    tasks: tuple[str, ...] | None = None
    said: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ConnectOption:
    flag: str  # "--app-id"; its value is Dialogue.options[the flag's name, "app_id"]
    metavar: str
    help: str  # English, marked with N_


@dataclass(frozen=True, slots=True)
class Connect:
    help: str  # the command's help (English, marked with N_)
    run: Callable[[Any, Dialogue], Connected]  # (its account, the dialogue)
    options: tuple[ConnectOption, ...] = ()


@dataclass(frozen=True, slots=True)
class TokenQuestion:
    """What a token check is given: the credentials, a session, and what an earlier connect
    recorded (the person's tasks, and when)."""

    credentials: Mapping[str, str]
    session: requests.Session
    tasks: tuple[str, ...] | None
    tasks_checked_at: datetime | None
    now: datetime
    describe: Callable[[datetime], str]  # a time for the reader


@dataclass(frozen=True, slots=True)
class TokenReport:
    told: bool  # False: the platform did not say when the token expires
    expires_at: datetime | None = None
    data_access_expires_at: datetime | None = None
    tasks: tuple[str, ...] | None = None
    details: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


class PlatformSpec(ABC):
    name: ClassVar[str]
    label: ClassVar[str]
    text_limit: ClassVar[int]
    #: The longest first comment it takes, measured like the text; 0: it takes none.
    comment_limit: ClassVar[int] = 0

    @abstractmethod
    def compose(self, content: Content, default_hashtags: tuple[str, ...]) -> tuple[
            list[tuple[str, PathKey]], str | None]:
        """The texts to send (one per message) with where each came from, and a link field."""

    @abstractmethod
    def measure(self, text: str) -> int:
        """The length the platform counts against ``text_limit``."""

    @abstractmethod
    def check(self, rendered: Rendered) -> Iterable[Finding]:
        """The platform's own limits on a rendered post."""

    def mentions(self, text: str) -> list[tuple[int, int]]:
        """Where ``text`` names an account the platform links (``@name``: start, end); none
        unless the platform says so."""
        return []


# ---------------------------------------------------------------------------------------------
# Publishing: the error taxonomy every adapter maps its platform's failures onto, and the
# adapter contract. The publisher decides what to do from the class alone.


class PublishError(Exception):
    """Base of the taxonomy. ``message`` is safe to show and store: it never holds a secret."""

    def __init__(self, message: str, *, sent: bool = True) -> None:
        super().__init__(message)
        self.message = message
        # False only when the request certainly never reached the platform (e.g. refused
        # connection); True means it may have been acted on and must be reconciled first.
        self.sent = sent


class Transient(PublishError):
    """Network error, timeout, 5xx: try again later."""


class Stopped(PublishError):
    """The process is stopping: the next part was not sent. Not a failure: the row goes back
    to the queue with the parts already sent, and the thread resumes after the restart."""

    def __init__(self, message: str) -> None:
        super().__init__(message, sent=False)


class RateLimited(PublishError):
    """The platform asked us to wait until ``retry_at`` (aware datetime) or ``None`` if unsaid."""

    def __init__(self, message: str, retry_at: datetime | None = None) -> None:
        super().__init__(message, sent=False)
        self.retry_at = retry_at


class AuthError(PublishError):
    """Expired, revoked or wrong credentials: a person must act; never retried."""


class CredentialsMissing(AuthError):
    """The credentials are not set on this machine at all: the post is held, not failed, and
    goes out when they appear (a server restarted without its secrets file)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, sent=False)


class Rejected(PublishError):
    """The platform refused this content (duplicate, too long, bad media); never retried."""

    def __init__(self, message: str, *, duplicate: bool = False) -> None:
        super().__init__(message, sent=True)
        self.duplicate = duplicate


class Unconfirmed(PublishError):
    """We cannot tell whether the post went out: a person must look."""


class MediaUnavailable(PublishError):
    """A media file is missing, unreadable, not what ``validate`` accepts, or changed since
    the post was queued: it is not sent, nothing of the post is published, a person must look
    (never retried)."""

    def __init__(self, problem: MediaProblem) -> None:
        super().__init__(Reason("media-nothing-sent", reason=problem.message,
                                hint=problem.hint), sent=False)
        self.code = problem.code


@contextmanager
def open_for_sending(info: MediaInfo) -> Iterator[OpenedMedia]:
    """A queued media file, opened and checked by the rules of ``validate`` and compared with
    what was queued; any problem (also one found while it is read) is ``MediaUnavailable``."""
    try:
        with open_queued(info) as opened:
            yield opened
    except MediaProblem as problem:
        raise MediaUnavailable(problem) from None


def check_media(rendered: Rendered, first_part: int = 0) -> None:
    """Every media file of the parts still to send, checked before the first request, so a
    problem with one of them leaves the whole post unsent (see ``open_for_sending``)."""
    for part in rendered.parts[first_part:]:
        for media in part.media:
            with open_for_sending(media.info):
                pass


@dataclass(frozen=True, slots=True)
class Identity:
    platform: str
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class RemotePost:
    """A post seen on the platform, for reconciliation."""

    id: str
    text: str
    created_at: datetime | None
    url: str
    reply_to: str | None = None


@dataclass(frozen=True, slots=True)
class Published:
    """The outcome of a publication: the first message's id and URL, and every part's id."""

    id: str
    url: str
    part_ids: tuple[str, ...] = ()


@dataclass(slots=True)
class Progress:
    """Parts already published (ids, in order), persisted by the caller after each part so a
    thread interrupted half way resumes instead of starting again."""

    part_ids: list[str] = field(default_factory=list)
    save: Callable[[list[str]], None] = lambda ids: None
    # True once the process is asked to stop: an adapter makes no further request (each goes
    # through a ``Checkpoint``), so a stop waits for one request at most, never a whole
    # thread or a whole chunked upload.
    stopping: Callable[[], bool] = lambda: False
    # Waits up to the seconds given and says whether a stop was asked for meanwhile (the
    # publisher's ``Event.wait``); None: the adapter sleeps as it was built to.
    wait: Callable[[float], bool] | None = None

    def checkpoint(self, index: int, count: int) -> Checkpoint:
        """What an adapter goes through before each request of part ``index`` (0-based) of
        ``count``."""
        return Checkpoint(self, index, count)

    def stop_before_next(self, index: int, count: int) -> None:
        """Raise ``Stopped`` instead of making a request for part ``index`` (0-based) when a
        stop was asked for. Nothing of that part was posted yet (media uploaded for it are
        uploaded again after the restart); the parts already sent are saved, and the rest
        follows after the restart, as a reply to the last one sent."""
        if not self.stopping():
            return
        if index == 0:
            raise Stopped(Reason("stopped-before-anything"))
        raise Stopped(Reason("stopped-mid-thread", done=index, count=count))

    def done(self, part_id: str, *, last: bool = False) -> None:
        """Record a confirmed part. The last one needs no separate save: the publication's
        outcome records every part id."""
        self.part_ids.append(part_id)
        if not last:
            self.save(list(self.part_ids))


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Between two requests of one part: where a stop is obeyed."""

    progress: Progress
    index: int
    count: int

    def check(self) -> None:
        self.progress.stop_before_next(self.index, self.count)

    def pause(self, seconds: float, sleep: Callable[[float], None]) -> None:
        """Wait as a platform asked (``seconds``), unless a stop comes first."""
        if self.progress.wait is None:
            sleep(seconds)
        else:
            self.progress.wait(seconds)
        self.check()


@dataclass(frozen=True, slots=True)
class Figures:
    """What a platform says of one of our published posts when asked (publish/metrics.py):
    counts by name, and the names it would not tell, with why."""

    post_id: str
    counts: dict[str, int]
    unavailable: dict[str, str] = field(default_factory=dict)


class Adapter(ABC):
    """Talks to one platform through its client library."""

    name: ClassVar[str]
    #: Posts whose figures one request reads (read_figures is given at most this many).
    figures_batch: ClassVar[int] = 1

    @abstractmethod
    def whoami(self) -> Identity:
        """The account the credentials belong to (raises AuthError when they are refused)."""

    @abstractmethod
    def publish(self, rendered: Rendered, progress: Progress) -> Published:
        """Send the rendered post; parts already in ``progress`` are not sent again."""

    @abstractmethod
    def recent_posts(self, since: datetime) -> list[RemotePost]:
        """The account's own posts created since ``since``, newest first."""

    def read_figures(self, post_ids: Sequence[str]) -> list[Figures] | None:
        """The figures of our posts ``post_ids`` (a post the platform no longer has is left
        out); None when the platform tells us none."""
        return None

    def look_for(self, since: datetime, enough: Callable[[list[RemotePost]], bool],
                 after_id: str | None = None) -> list[RemotePost]:
        """``recent_posts`` for reconciliation. A platform that charges per post read (X)
        reads a page at a time and stops once ``enough`` says the posts so far hold what is
        looked for; ``after_id``: one of our posts older than any looked for."""
        return self.recent_posts(since)

    def own_replies(self, post_id: str, since: datetime) -> list[RemotePost]:
        """Our own comments on our post ``post_id`` that ``look_for`` does not list (a Page's
        comments are not among its posts), for a first comment's reconciliation; [] where
        our replies are among our posts."""
        return []
