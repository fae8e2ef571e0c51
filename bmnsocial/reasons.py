"""Why a publication failed, was skipped, held, moved or cancelled, in the reader's language.

The ledger is written by one process (a daemon in English, say) and read by others (a
librarian's `--lang es status`). So a reason is kept as a stable code with its parameters and
turned into a sentence only when shown: in the reader's language, its times in the config
zone, its numbers as the reader writes them. A platform's own words are a parameter and are
shown as the platform wrote them, quoted.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bmnsocial.i18n import N_, _, current, money, number
from bmnsocial.timeutil import describe as describe_time

#: Each code with its sentence. A code is never reused for another meaning: rows keep it.
TEMPLATES: dict[str, str] = {
    # the misfire policy (schedule/misfire.py)
    "late-coalesced": N_("{minutes} min late, and a later occurrence of the same post is due "
                         "too ({later}): only the latest goes out"),
    "late-skip-policy": N_("{minutes} min late and the misfire policy is 'skip'"),
    "late-no-free-slot": N_("{minutes} min late and no free slot ahead"),
    "late-moved": N_("{minutes} min late: moved to the next free slot"),
    "late-beyond-grace": N_("{minutes} min late, beyond the {grace}-min grace window"),
    "late-within-grace": N_("{minutes} min late, within the grace window"),
    "catch-up-limit": N_("catch-up limit of {limit} per hour on {platform} reached"),
    "late-behind-earlier": N_("{minutes} min late; {post}, due earlier on {platform}, goes "
                              "out first"),
    # a sync (schedule/sync.py) and a person (cancel, retry)
    "withdrawn-unplanned": N_("no longer in the post's schedule or platforms"),
    "withdrawn-series-ended": N_("the series has ended ('until' has passed)"),
    "withdrawn-deleted": N_("the post no longer exists (file deleted or id changed)"),
    "withdrawn-draft": N_("the post is a draft ('draft: true'): it is not published until "
                          "that line is removed"),
    "cancelled-by-person": N_("cancelled by a person"),
    "requeued-by-person": N_("requeued by a person"),
    # the publisher (publish/publisher.py)
    "internal-error": N_("internal error ({error}); check the platform before retrying"),
    "gave-up": N_("gave up after {attempts} attempts over {hours} h: {error}"),
    "check-deadline": N_("could not check {platform} before the deadline: {error}"),
    "check-later": N_("cannot check the platform yet: {error}"),
    "check-failed": N_("could not check whether it was published: {error}"),
    "several-match": N_("{count} posts on {platform} match this text; check which is ours and "
                        "remove the extra ones"),
    "duplicate-refused": N_("{error} (the platform already has an identical recent post, not "
                            "from this attempt — perhaps an earlier occurrence of the same "
                            "post: vary the text)"),
    "manual-after-api": N_("{platform} was switched to manual mode while this publication was "
                           "being sent through its API: check the account, then 'bmnsocial "
                           "done' with its URL, or 'bmnsocial retry'"),
    "handoff-unwritable": N_("the publishing sheet could not be written: {error}"),
    "not-found-resending": N_("not found on the platform after an interrupted attempt; sending "
                              "again"),
    "comment-failed": N_("the post is published, its first comment is not ({error}); fix the "
                         "comment, then 'bmnsocial retry {post}' sends the comment alone"),
    "stopped-before-anything": N_("stopped before anything was published: the post goes out "
                                  "after the restart"),
    "stopped-mid-thread": N_("stopped after part {done} of {count}: the rest follows after the "
                             "restart, as a reply to the last part sent"),
    "X-BUDGET": N_("it would cost {cost} on X, and {spent} of the {budget} monthly "
                   "budget for {month} is spent. Raise accounts.twitter.monthly_budget_usd, then "
                   "run 'bmnsocial retry {post}'"),
    "no-account-section": N_("{platform}: there is no accounts.{name} section in {file} (see "
                             "docs/configuration.md)."),
    # media files, checked when queued and again when sent (posts/media.py)
    "media-nothing-sent": N_("nothing was sent: {reason} {hint}"),
    "media-absolute": N_("'{path}' is an absolute path."),
    "media-absolute-fix": N_("Write the path relative to the media folder {folder}."),
    "media-dotdot": N_("'{path}' uses '..' to leave the media folder."),
    "media-dotdot-fix": N_("Put the file inside {folder} and name it from there."),
    "media-missing": N_("the media file '{path}' does not exist in {folder}."),
    "media-missing-fix": N_("Check the name (capitals count) and that the file is committed."),
    "media-link": N_("'{path}' is or goes through a link; bmnsocial sends only files kept in the "
                     "media folder itself, never what a link points to."),
    "media-link-fix": N_("Copy the file into {folder} instead of linking to it."),
    "media-unreadable": N_("cannot read '{path}': {reason}."),
    "media-unreadable-fix": N_("Check the file's permissions."),
    "media-changed": N_("the media file '{path}' changed after the post was queued ({how})."),
    "media-changed-fix": N_("Check the file; if it is the one to publish, 'bmnsocial retry' "
                            "sends it as it is now."),
    "media-changed-while-read": N_("it changed while it was being read"),
    "media-was-is": N_("it was {before}, it is {after}"),
    "media-saved-again": N_("it was saved again"),
    "media-unknown-content": N_("not an image or video we know"),
    "media-folder": N_("'{path}' is a folder, not a file."),
    "media-folder-fix": N_("Name the image file itself."),
    "media-not-regular": N_("'{path}' is not a regular file (a pipe, a device or a socket)."),
    "media-not-regular-fix": N_("Name an image or video file kept in {folder}."),
    "media-extension": N_("'{path}' has an extension we cannot publish."),
    "media-extension-fix": N_("Use .jpg, .png, .gif, .webp, .mp4 or .mov."),
    "media-mismatch": N_("'{path}' is named {suffix} but its content is {content}."),
    "media-mismatch-fix": N_("Export the image again in the format its name says, or rename it."),
    "media-cut-short": N_("'{path}' is cut short: the {kind} file does not end the way a whole "
                          "one does ({size})."),
    "media-cut-short-fix": N_("Copy or export the file again; open it first to check that it "
                              "shows whole."),
    "media-video-unreadable": N_("'{path}' cannot be read as a video: {what}."),
    "media-video-unreadable-fix": N_("Copy or export the video again (MP4 with H.264 and AAC); a "
                                     "recording stopped half way, by a power cut say, cannot "
                                     "be published."),
    "media-video-no-index": N_("it has no 'moov' box, the index a player needs (a recording or "
                               "a copy that did not finish)"),
    "media-video-no-track": N_("it has no video track (sound only?)"),
    "media-video-box-cut": N_("it is cut short: its '{box}' box needs {needed} but the file has "
                              "{size}"),
    "media-video-box-size": N_("the '{box}' box at byte {offset} declares an impossible size "
                               "({length} bytes)"),
    "media-video-box-overflow": N_("the '{box}' box at byte {offset} is larger than the "
                                   "'{within}' box that holds it"),
    "media-video-box-short": N_("the '{box}' box is too short for what it must hold"),
    "media-video-too-many": N_("more than {limit} boxes in {box}"),
    "media-video-file": N_("the file"),
    # the network (platforms/http.py)
    "network-failure": N_("{action}: {problem} ({detail})"),
    "net-connect-timeout": N_("could not connect in time"),
    "net-read-timeout": N_("no answer in time (read timeout)"),
    "net-not-json": N_("the answer was not valid JSON"),
    "net-cut-off": N_("the answer was cut off"),
    "net-not-connected": N_("could not connect"),
    "net-connection-lost": N_("the connection was lost"),
    "net-failed": N_("the request failed"),
    # X (platforms/twitter.py, platforms/x_media.py)
    "x-the-tweet": N_("the tweet"),
    "x-tweet-of": N_("tweet {number} of {count}"),
    "x-checking-account": N_("X: checking the account"),
    "x-publishing": N_("X: publishing {tweet}"),
    "x-reading-recent": N_("X: reading recent tweets"),
    "x-reading-replies": N_("X: reading the replies to the account"),
    "x-replying": N_("X: sending a reply"),
    "x-reading-figures": N_("X: reading the figures of {count} tweets"),
    "x-uploading": N_("X: uploading {file}"),
    "x-upload-starting": N_("X: starting the upload of {file}"),
    "x-uploading-part": N_("X: uploading part {number} of {file}"),
    "x-upload-finishing": N_("X: finishing the upload of {file}"),
    "x-checking-processing": N_("X: checking the processing of {file}"),
    "x-setting-alt-text": N_("X: setting the alt text of {file}"),
    "x-answered": N_("{action}: X answered {status}"),
    "x-answered-said": N_("{action}: X answered {status}: {said}"),
    "x-no-data": N_("{action}: X answered {status} without the expected data"),
    "x-credentials-refused": N_("{error}. X refused the credentials: renew the access token and "
                                "secret (see docs/configuration.md)."),
    "x-permission-missing": N_("{error}. The X app or its access token lacks a permission (it "
                               "needs 'Read and write'; see docs/configuration.md)."),
    "x-credentials-missing": N_("X credentials are missing: set the environment variable "
                                "{names} (see docs/configuration.md)."),
    "x-credentials-missing-several": N_("X credentials are missing: set the environment "
                                        "variables {names} (see docs/configuration.md)."),
    "x-no-id": N_("X: {tweet} was accepted but X returned no id; look at {url} before "
                  "retrying."),
    "x-too-many-segments": N_("X: {file} needs more than {limit} upload segments."),
    "x-still-processing": N_("X: {file} was still being processed after {seconds} s."),
    "x-could-not-process": N_("X could not process {file}: {reason}"),
    "x-could-not-process-unsaid": N_("X could not process {file}: no reason given"),
    "x-processing-failed": N_("X could not process {file}: {name} (code {code}) {said}. Check "
                              "the file against X's media rules (docs/post-format.md), export "
                              "it again, then 'bmnsocial retry'."),
    "x-daily-cap-user": N_("{error}. The account's 24-hour limit of {limit} posts on X is used "
                           "up: bmnsocial tries again when it resets ({reset})."),
    "x-daily-cap-app": N_("{error}. The X app's 24-hour limit of {limit} posts is used up: "
                          "bmnsocial tries again when it resets ({reset})."),
    "x-usage-capped": N_("{error}. The X developer account has used up its usage cap or its "
                         "credits: add credits or raise the cap in X's developer console, "
                         "then 'bmnsocial retry'."),
    "x-client-not-enrolled": N_("{error}. The X app is not attached to a Project with API "
                                "access: in X's developer console add the app to a Project, "
                                "regenerate its keys and tokens, put them in the secrets file, "
                                "then 'bmnsocial retry'."),
    "x-read-only": N_("X: the app can only read (x-access-level: {level}), so it cannot post. "
                      "In X's developer portal set the app's permissions to 'Read and write', "
                      "then regenerate the access token and secret (a token keeps the "
                      "permissions it was made with) and put them in the secrets file."),
    "x-nothing-to-publish": N_("X: nothing to publish (the rendered post has no parts)."),
    "x-no-account": N_("X: the credentials were accepted but X named no account."),
    "x-other-account": N_("the X credentials belong to @{actual}; config says @{expected} "
                          "(accounts.twitter.username)."),
    # Facebook (platforms/facebook.py)
    "fb-checking-token": N_("Facebook: checking the Page token"),
    "fb-publishing-photo": N_("Facebook: publishing the photo post"),
    "fb-uploading-photo": N_("Facebook: uploading photo {number} of {count}"),
    "fb-publishing": N_("Facebook: publishing the post"),
    "fb-reading-recent": N_("Facebook: reading recent posts"),
    "fb-reading-comments": N_("Facebook: reading the comments on a post"),
    "fb-replying": N_("Facebook: answering a comment"),
    "fb-commenting": N_("Facebook: publishing the first comment"),
    "fb-comment-no-id": N_("Facebook took the first comment but returned no id; look at the "
                           "comments of {url} before retrying."),
    # Facebook's own scheduler (publish/native.py)
    "fb-scheduling": N_("Facebook: scheduling the post on the Page"),
    "fb-reading-scheduled": N_("Facebook: reading the Page's scheduled posts"),
    "fb-updating-scheduled": N_("Facebook: changing the scheduled post"),
    "fb-deleting-scheduled": N_("Facebook: deleting the scheduled post"),
    "fb-checking-scheduled": N_("Facebook: checking the scheduled post"),
    "fb-native-refused": N_("Facebook's scheduler did not take it ({error}): it is sent at its "
                            "time the ordinary way"),
    "fb-native-retry": N_("could not hand it to Facebook's scheduler yet ({error}); trying "
                          "again"),
    "fb-native-not-found": N_("not among the Page's scheduled posts after an interrupted "
                              "attempt: handing it off again"),
    "fb-native-not-published": N_("Facebook did not publish the scheduled post {id} at its time "
                                  "(it says: {state}). Look at the Page's scheduled posts: "
                                  "delete it there, then 'bmnsocial retry' sends it again"),
    "fb-native-gone": N_("the scheduled post {id} is no longer on Facebook (deleted on the "
                         "Page?): {error}"),
    "fb-native-old-version": N_("Facebook published an earlier version of the post ({url}): "
                                "the change to its file could not be sent in time ({error})"),
    "fb-native-behind": N_("the scheduled post on Facebook could not be brought in step with "
                           "its file: {error}"),
    "fb-native-cancel-too-late": N_("cancelled, but Facebook's scheduler published it before it "
                                    "could be deleted ({url})"),
    "fb-reading-figures": N_("Facebook: reading the figures of post {post}"),
    "fb-reading-insights": N_("Facebook: reading the insights of post {post}"),
    "fb-answered": N_("{action}: Facebook answered {status} (code {code}): {said}"),
    "fb-answered-nothing": N_("{action}: Facebook answered {status} (code {code}) with no "
                              "message"),
    "fb-answered-429": N_("{action}: Facebook answered 429"),
    "fb-not-graph": N_("{action}: Facebook answered {status} with {content_type}, not a Graph "
                       "API answer."),
    "fb-not-graph-untyped": N_("{action}: Facebook answered {status} with no content type, not "
                               "a Graph API answer."),
    "fb-token-renew": N_("{error}. The Page access token must be renewed ({why}): generate a "
                         "new one and put it in {variable}, as docs/configuration.md explains."),
    "fb-permission-missing": N_("{error}. The Page token lacks a permission (it needs "
                                "pages_manage_posts and pages_read_engagement): see "
                                "docs/configuration.md."),
    "fb-graph-error": N_("{action}: {said}"),
    "fb-other-page": N_("the token belongs to Page {name} ({id}); config says {expected} "
                        "(accounts.facebook.page_id). Use a Page access token of the configured "
                        "Page (docs/configuration.md)."),
    "fb-one-message": N_("Facebook: a post is one message, not {count}."),
    "fb-no-videos": N_("Facebook: bmnsocial does not publish videos to Facebook yet."),
    "fb-photo-no-id": N_("Facebook published the photo but returned no post id; look at the "
                         "Page before retrying."),
    "fb-token-missing": N_("the Facebook Page access token is missing: set the environment "
                           "variable {variable} (see docs/configuration.md)."),
    "fb-token-app-removed": N_("the app was removed from the account"),
    "fb-token-checkpointed": N_("the account is checkpointed"),
    "fb-token-password-changed": N_("the password was changed"),
    "fb-token-expired": N_("the token expired"),
    "fb-token-unconfirmed": N_("the account is unconfirmed"),
    "fb-token-invalid": N_("the token is no longer valid"),
    "fb-token-session-invalid": N_("the session is invalid (is the person still an admin of "
                                   "the Page?)"),
    "fb-token-refused": N_("the token was refused"),
    "fb-throttled": N_("{error}. Facebook is limiting {limit} for now: bmnsocial waits and "
                       "tries again by itself; nothing to do unless it keeps happening."),
    "fb-limit-app": N_("the app's calls"),
    "fb-limit-user": N_("the calls made with this person's token"),
    "fb-limit-page": N_("the calls to the Page"),
    "fb-limit-custom": N_("this kind of call"),
    "fb-limit-page-calls": N_("the calls made with the Page's token"),
    "fb-page-role": N_("{error}. The person whose token this is no longer has a role on the "
                       "Page that lets them publish (a new token would fail the same way): a "
                       "Page admin gives that person back full control or the task 'Create "
                       "content', then run 'bmnsocial retry --failed'."),
    "fb-app-permission": N_("{error}. The Facebook app may not do this: it needs the "
                            "permissions pages_manage_posts and pages_read_engagement (App "
                            "Review, in the app's dashboard); then get a new Page token "
                            "(docs/configuration.md) and run 'bmnsocial retry --failed'."),
    "fb-blocked": N_("{error}. Facebook has blocked this action on the Page for now, for its "
                     "policies. It is not retried: publishing again soon makes the block "
                     "longer. A Page admin reads the Page's notifications and Support Inbox "
                     "(Meta Business Suite); once the block is lifted, 'bmnsocial retry "
                     "--failed' sends it."),
    "fb-app-secret-required": N_("{error}. The Facebook app requires an app secret proof: "
                                 "name the environment variable that holds the app secret "
                                 "in accounts.facebook.app_secret_env and set it "
                                 "(docs/configuration.md), then run 'bmnsocial retry "
                                 "--failed'."),
    "fb-app-secret-wrong": N_("{error}. The app secret in {variable} is not the secret of the "
                              "app that issued the Page token: set the right one (the app's "
                              "dashboard, Settings, Basic, App secret), then run 'bmnsocial "
                              "retry --failed'."),
    "fb-app-secret-missing": N_("the Facebook app secret is missing: set the environment "
                                "variable {variable}, named by accounts.facebook."
                                "app_secret_env (see docs/configuration.md)."),
    "fb-unknown-version": N_("{error}. Graph does not know API version {version}: set "
                             "accounts.facebook.api_version to a current version "
                             "(docs/configuration.md), then run 'bmnsocial retry --failed'."),
    "fb-too-many-recent": N_("Facebook: more than {count} posts since {since}; bmnsocial stops "
                             "reading there and cannot tell whether this one went out: look at "
                             "the Page."),
    # the Telegram adapter (platforms/telegram.py)
    "tg-token-missing": N_("the Telegram bot token is missing: set the environment variable "
                           "{name} (see docs/telegram.md)."),
    "tg-checking-bot": N_("Telegram: checking the bot"),
    "tg-checking-channel": N_("Telegram: checking the channel"),
    "tg-checking-rights": N_("Telegram: checking the bot's rights in the channel"),
    "tg-checking-message": N_("Telegram: checking message {id} of the channel"),
    "tg-publishing": N_("Telegram: publishing message {number} of {count}"),
    "tg-answered": N_("{action}: Telegram answered {status}: {said}"),
    "tg-not-json": N_("{action}: Telegram answered {status} with something that is not a Bot "
                      "API answer"),
    "tg-token-refused": N_("{error}. Telegram refused the bot token: get a new one from "
                           "@BotFather (/token) and put it in the environment."),
    "tg-cannot-post": N_("{error}. The bot cannot post in {chat}: make it an administrator of "
                         "the channel with the right to post messages."),
    "tg-chat-not-found": N_("{error}. Telegram knows no channel {chat} for this bot: check "
                            "accounts.telegram.chat and that the bot was added to the channel."),
    "tg-not-admin": N_("the bot @{bot} is not an administrator of {chat} with the right to "
                       "post messages: add it in the channel's settings, Administrators."),
    "tg-protected-content": N_("{chat} restricts saving content, so the bot cannot forward its "
                               "messages to check a send whose answer was lost: turn off "
                               "\"Restrict saving content\" in the channel's settings."),
    "tg-no-id": N_("{action}: Telegram accepted the message but returned no id; look at {url} "
                   "before retrying."),
    "tg-nothing-to-publish": N_("Telegram: nothing to publish (the rendered post has no "
                                "parts)."),
    "tg-no-check-chat": N_("cannot check {chat} for a send whose answer was lost: no "
                           "accounts.telegram.check_chat is set (docs/telegram.md); look at "
                           "the channel."),
    "tg-too-many-to-check": N_("more than {count} new messages in {chat} since the last one "
                               "bmnsocial knows: look at the channel to tell whether this post "
                               "is there."),
}


class Said(str):
    """A platform's own words: kept and shown as the platform wrote them, quoted."""


class Usd(float):
    """An amount in US dollars: shown as the reader writes numbers, to the tenth of a cent."""


class Reason(str):
    """A reason as a sentence in the writer's language (for its log and older readers) that
    also carries its code and parameters, which the ledger keeps for other readers."""

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, /, **params: Any) -> Reason:
        made = super().__new__(cls, _render(code, params, None) or code)
        made.code = code
        made.params = params
        return made

    def stored(self) -> str:
        """The parameters as the ledger keeps them (JSON; times as UTC ISO 8601)."""
        return json.dumps(_encode(self.params), ensure_ascii=False, sort_keys=True)


def _encode(value: Any) -> Any:
    if isinstance(value, Reason):
        return {"reason": value.code, "params": _encode(value.params)}
    if isinstance(value, Said):
        return {"said": str(value)}
    if isinstance(value, Usd):
        return {"usd": float(value)}
    if isinstance(value, datetime):
        return {"time": value.astimezone(UTC).isoformat()}
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    return value


def _quote(text: str) -> str:
    return f"«{text}»" if current() == "es" else f"“{text}”"


def _show(value: Any, tz: ZoneInfo | None) -> str:
    """A parameter, raw or as stored, as the reader reads it."""
    if isinstance(value, Reason | Said | Usd):
        value = _encode(value)
    if isinstance(value, dict):
        if "usd" in value:
            return money(float(value["usd"]))
        if "reason" in value:
            return _render(str(value["reason"]), value.get("params") or {}, tz) or ""
        if "said" in value:
            return _quote(str(value["said"]))
        if "time" in value:
            value = datetime.fromisoformat(str(value["time"]))
    if isinstance(value, datetime):
        zone: Any = tz or value.tzinfo or UTC
        return describe_time(value, zone)
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return number(value)
    if isinstance(value, float):
        return number(value, 0 if value.is_integer() else 1)
    return str(value)


def _render(code: str, params: dict[str, Any], tz: ZoneInfo | None) -> str | None:
    template = TEMPLATES.get(code)
    if template is None:
        return None
    try:
        return _(template).format(**{key: _show(v, tz) for key, v in params.items()})
    except (KeyError, IndexError, ValueError):
        return None  # a parameter this version does not know: the stored sentence is shown


def describe(code: str | None, params: str | None, tz: ZoneInfo | None) -> str | None:
    """The stored reason in the reader's language, its times in ``tz``; None when there is
    no code, or one this version does not know (then the stored sentence is shown)."""
    if not code:
        return None
    try:
        decoded = json.loads(params) if params else {}
    except ValueError:
        return None
    return _render(code, decoded if isinstance(decoded, dict) else {}, tz)
