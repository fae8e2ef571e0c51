"""Review away from the server: which past times in post files are mistakes, and which are
history that this machine cannot see.

On the server the ledger tells a published post from a new one. An editor's computer or a
posts repository's review CI has no ledger: there, a past time is only a mistake in a file
that was added or changed since the branch point (``validate --changed-since REF``); in the
other files it is history. Either way, a past time is judged by the rule the daemon applies
(``DaemonSettings.fate``): a post still published late is a warning, not an error.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

from bmnsocial.config import Config
from bmnsocial.diagnostics import Diagnostic, Severity
from bmnsocial.errors import UsageError
from bmnsocial.i18n import _
from bmnsocial.render.validation import ValidationResult


def changed_since(ref: str, cwd: Path | None = None) -> set[Path]:
    """Files added or changed since git revision ``ref`` (committed or not, and files git does
    not track yet), as resolved paths."""
    import subprocess  # here: every validate imports this module, few ask git

    def git(*args: str) -> str:
        try:
            proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                                  check=False, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise UsageError(_("--changed-since needs git: {reason}.").format(
                reason=exc)) from None
        if proc.returncode != 0:
            raise UsageError(_("--changed-since {ref}: git says: {reason}").format(
                ref=ref, reason=proc.stderr.strip().splitlines()[-1] if proc.stderr.strip()
                else proc.returncode))
        return proc.stdout

    top = Path(git("rev-parse", "--show-toplevel").strip())
    names = git("diff", "--name-only", "--no-renames", "-z", ref, "--").split("\0")
    names += git("ls-files", "--others", "--exclude-standard", "-z", "--full-name",
                 ":/").split("\0")
    return {(top / name).resolve() for name in names if name}


def judge_past_times(result: ValidationResult, config: Config, now: datetime, *,
                     has_ledger: bool, changed: set[Path] | None) -> None:
    """Rewrite the SCHED-PAST errors of one-off posts as the server would act on them."""
    posts = {c.post.file: c.post for c in result.posts}
    judged: list[Diagnostic] = []
    for d in result.diagnostics:
        post = posts.get(d.file)
        at = post.schedule.at if post is not None else None
        if d.code != "SCHED-PAST" or not d.is_error or post is None or at is None:
            judged.append(d)
            continue
        when = f"{at:%Y-%m-%d %H:%M %z}"
        reviewed = has_ledger or (changed is not None and Path(d.file).resolve() in changed)
        if not reviewed:
            judged.append(dataclasses.replace(
                d, severity=Severity.WARNING, message=_(
                    "the time {time} has passed: this post was published then, or never will "
                    "be (there is no ledger here to tell which).").format(time=when),
                hint=_("Nothing to do if it went out; to publish it now: "
                       "bmnsocial post FILE --now.")))
            continue
        late = now - at
        minutes = int(late.total_seconds() // 60)
        fate = config.daemon.fate(late, post.schedule.misfire)
        if fate == "late":
            judged.append(dataclasses.replace(d, severity=Severity.WARNING, message=_(
                "the time {time} passed {minutes} min ago: the server publishes it late, at "
                "once (within the {grace}-min grace window).").format(
                    time=when, minutes=minutes, grace=config.daemon.grace_minutes)))
        elif fate == "moved":
            judged.append(dataclasses.replace(d, severity=Severity.WARNING, message=_(
                "the time {time} passed {minutes} min ago: the server moves it to the next "
                "free slot (misfire: next_slot).").format(time=when, minutes=minutes)))
        else:
            judged.append(dataclasses.replace(d, message=_(
                "the time {time} passed {minutes} min ago: too late for the server to publish "
                "it, so it would be skipped.").format(time=when, minutes=minutes)))
    result.diagnostics = judged
