"""`bmnsocial new`: a post file from questions (or options), checked and previewed first."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from bmnsocial import categories
from bmnsocial.categories import RULE_NAMES, Category
from bmnsocial.cli.common import AppContext, pass_app
from bmnsocial.cli.exitcodes import Exit, ExitCode
from bmnsocial.config import Config
from bmnsocial.errors import UsageError
from bmnsocial.i18n import _
from bmnsocial.posts.template import Answers, Need, file_stem, needs, post_text

#: Where the repository keeps `bmnsocial schema post`, beside config.yaml.
SCHEMA_FILE = Path("schemas") / "post.schema.json"


@click.command(name="new", help=_(
    "Write a new post file: asks what it needs (category, text, link, images with their alt "
    "text, when; an event's date and place, a stream's address… as the category asks), shows "
    "the preview, then writes the file with short comments.\n\n"
    "Every question is also an option, so it runs without a terminal. An existing file is "
    "never overwritten. Exit 0 when written, 1 when the post would not be valid (nothing is "
    "written), 2 when an answer is missing or the file exists."))
@click.argument("category", required=False, metavar="[CATEGORY]")
@click.option("--file", "target", type=click.Path(dir_okay=False, path_type=Path),
              help=_("Where to write it (default: the posts folder, named after the text)."))
@click.option("--text", help=_("What the post says."))
@click.option("--link", help=_("A web address published with the post."))
@click.option("--image", "images", multiple=True, metavar="PATH",
              help=_("An image in the media folder (repeat for several)."))
@click.option("--alt", "alts", multiple=True, metavar="TEXT",
              help=_("What each --image shows, in the same order."))
@click.option("--hashtag", "hashtags", multiple=True, metavar="WORD",
              help=_("A hashtag of the post's own, without '#' (repeat for several)."))
@click.option("--at", "at", metavar="'YYYY-MM-DD HH:MM'",
              help=_("When it goes out, in the config's time zone."))
@click.option("--next-slot", is_flag=True, help=_("It goes out in the next free slot."))
@click.option("--event-name", help=_("The event's name."))
@click.option("--event-starts", metavar="'YYYY-MM-DD HH:MM'", help=_("When the event starts."))
@click.option("--event-place", help=_("Where the event takes place."))
@click.option("--stream-url", metavar="URL", help=_("The live stream's address."))
@click.option("--question", help=_("A question that invites comments, added to the text."))
@click.option("--consent", is_flag=True,
              help=_("Everyone pictured agreed to be published."))
@click.option("--approved-by", metavar="NAME", help=_("Who approved the post."))
@click.option("--ask/--no-ask", "ask", default=None,
              help=_("Ask for what the options leave out (default: when run in a terminal)."))
@click.option("--yes", "-y", "yes", is_flag=True,
              help=_("Write without asking after the preview."))
@pass_app
def new(app: AppContext, category: str | None, target: Path | None, text: str | None,
        link: str | None, images: tuple[str, ...], alts: tuple[str, ...],
        hashtags: tuple[str, ...], at: str | None, next_slot: bool, event_name: str | None,
        event_starts: str | None, event_place: str | None, stream_url: str | None,
        question: str | None, consent: bool, approved_by: str | None, ask: bool | None,
        yes: bool) -> None:
    config = app.config
    asking = sys.stdin.isatty() if ask is None else ask
    if len(alts) > len(images):
        raise UsageError(_("there are more --alt than --image: give one --alt per image, in "
                           "the same order."))
    chosen = _category(category, asking)
    a = Answers(category=chosen, text=text or "", link=link or None,
                images=[(_media_path(p, config), alts[i] if i < len(alts) else None)
                        for i, p in enumerate(images)],
                hashtags=list(hashtags), at=at, next_slot=next_slot, event_name=event_name,
                event_starts=event_starts, event_place=event_place, stream_url=stream_url,
                question=question, consent=consent, approved_by=approved_by)
    if asking:
        _ask(a, config, at is not None or next_slot)
    _check_complete(a)
    path = _target(target, a, config)
    schema = config.base_dir / SCHEMA_FILE
    schema_line = (os.path.relpath(schema, path.parent.resolve()).replace(os.sep, "/")
                   if schema.is_file() else None)
    raw = post_text(a, schema_line).encode("utf-8")
    if not _preview(app, raw, path):
        click.echo(_("Nothing was written: correct the answers above and run it again."),
                   err=True)
        raise Exit(ExitCode.INVALID)
    if asking and not yes and not _yes_no(_("Write {file}?").format(file=_shown(path)),
                                          default=True):
        click.echo(_("Nothing was written."))
        return
    from bmnsocial.files import write_new

    path.parent.mkdir(parents=True, exist_ok=True)
    write_new(path, raw)
    click.echo(_("Written: {file}. Check the whole folder with 'bmnsocial validate'.").format(
        file=_shown(path)))


def _category(value: str | None, asking: bool) -> Category:
    if value is not None:
        found = categories.lookup(value)
        if found is None:
            from bmnsocial.schema import did_you_mean

            hint = did_you_mean(value, categories.BY_SLUG) or _(
                "Use a slug or a number from 1 to 17; run 'bmnsocial categories'.")
            raise UsageError(_("'{value}' is not one of the 17 BMN categories: {hint}").format(
                value=value, hint=hint))
        return found
    if not asking:
        raise UsageError(_("say which category: 'bmnsocial new 3' or 'bmnsocial new "
                           "servicios-productos' ('bmnsocial categories' lists the 17)."))
    click.echo(_("Categories (1 = the most important use of the BMN's policy):"))
    for c in categories.CATEGORIES:
        rules = f"  [{', '.join(_(RULE_NAMES[r]) for r in c.rules)}]" if c.rules else ""
        click.echo(f"{c.rank:>3}  {c.slug:<30}  {c.label()}{rules}")
    while True:
        answer = click.prompt(_("Category (number or name)"))
        found = categories.lookup(answer)
        if found is not None:
            return found
        click.echo(_("'{value}' is not one of the 17 BMN categories.").format(value=answer))


def _yes_no(question: str, *, default: bool) -> bool:
    """Yes in either language: y, yes, s, sí, si."""
    choices = _("Y/n") if default else _("y/N")
    while True:
        answer: str = click.prompt(f"{question} [{choices}]", default="", show_default=False)
        word = answer.strip().lower()
        if not word:
            return default
        if word[0] in "ysn":
            return word[0] != "n"
        click.echo(_("Answer yes or no."))


def _optional(question: str, check: Callable[[str], str | None] | None = None, *,
              required: bool = False) -> str | None:
    """Asked again while ``check`` finds something wrong with the answer (what it returns)."""
    while True:
        answer: str = click.prompt(question, default=None if required else "",
                                   show_default=False)
        if not answer.strip():
            return None
        problem = check(answer.strip()) if check else None
        if problem is None:
            return answer.strip()
        click.echo(problem)


def _required(question: str, check: Callable[[str], str | None] | None = None) -> str:
    return _optional(question, check, required=True) or ""


def _web_address(answer: str) -> str | None:
    from bmnsocial.posts.model import _URL

    return None if _URL.match(answer) else _(
        "'{value}' is not a web address: write the full address, starting with https://."
    ).format(value=answer)


def _date_and_time(answer: str) -> str | None:
    from datetime import datetime

    try:
        datetime.fromisoformat(answer)
    except ValueError:
        pass
    else:
        if ":" in answer:
            return None
    return _("'{value}' is not a date and time: write it as 2027-01-14 09:30.").format(
        value=answer)


def _ask(a: Answers, config: Config, when_given: bool) -> None:
    """Only what the options left out, and only what this category uses."""
    wanted = needs(a.category)
    click.echo(_("Category {rank} ({slug}): {label}").format(
        rank=a.category.rank, slug=a.category.slug, label=a.category.label()))
    if not a.text:
        a.text = _required(_("Text of the post"))
    if Need.QUESTION in wanted and a.question is None and "?" not in a.text:
        a.question = _optional(_("A question that invites comments (Enter: none)"))
    if a.link is None and Need.STREAM not in wanted:
        a.link = (_optional(_("Link (https://…; Enter: none)"), _web_address)
                  if Need.LINK not in wanted else
                  _required(_("Link to the publication (https://…)"), _web_address))
    if not a.images:
        first = True
        while True:
            label = (_("Image in {folder} (Enter: none)") if first
                     else _("Another image (Enter: no more)")).format(
                         folder=_shown(config.media_root))
            path = _optional(label, lambda answer: _missing_image(answer, config))
            if path is None:
                break
            ask_alt = _required if config.require_alt_text else _optional
            alt = ask_alt(_("What the image shows (alt text, for screen readers)"))
            a.images.append((_media_path(path, config), alt))
            first = False
    if Need.CONSENT in wanted and a.images and not a.consent:
        a.consent = _yes_no(_("Did everyone pictured agree to be published?"), default=False)
    if Need.HASHTAG in wanted and not a.hashtags:
        a.hashtags = (_optional(_("Hashtags, without '#', separated by spaces")) or "").split()
    if Need.EVENT in wanted:
        a.event_name = a.event_name or _optional(_("Event's name"))
        a.event_starts = a.event_starts or _required(
            _("When the event starts (YYYY-MM-DD HH:MM)"), _date_and_time)
        if Need.STREAM not in wanted:
            a.event_place = a.event_place or _optional(_("Where it takes place"))
    if Need.STREAM in wanted and not a.stream_url:
        a.stream_url = _required(_("The live stream's address (https://…)"), _web_address)
    if Need.APPROVAL in wanted and not a.approved_by:
        a.approved_by = _required(_("Who approved it (name)"))
    if not when_given:
        when = _optional(_("When does it go out? YYYY-MM-DD HH:MM; 'slot' (or 'franja') for "
                           "the next free slot; Enter: later, with 'bmnsocial post'"),
                         lambda answer: None if answer.lower() in _SLOT_WORDS
                         else _date_and_time(answer))
        if when and when.lower() in _SLOT_WORDS:
            a.next_slot = True
        else:
            a.at = when


def _check_complete(a: Answers) -> None:
    """What the category needs, said as the option that gives it."""
    wanted = needs(a.category)
    missing: list[str] = []
    if not a.text.strip():
        missing.append("--text")
    if Need.EVENT in wanted and not a.event_starts:
        missing.append("--event-starts")
    if Need.STREAM in wanted and not a.stream_url:
        missing.append("--stream-url")
    if Need.APPROVAL in wanted and not a.approved_by:
        missing.append("--approved-by")
    if Need.LINK in wanted and not a.link:
        missing.append("--link")
    if Need.IMAGE in wanted and not a.images:
        missing.append("--image")
    if Need.CONSENT in wanted and a.images and not a.consent:
        missing.append("--consent")
    if Need.HASHTAG in wanted and not a.hashtags and "#" not in a.text:
        missing.append("--hashtag")
    if a.at and a.next_slot:
        raise UsageError(_("give --at or --next-slot, not both."))
    if missing:
        raise UsageError(_("category {rank} ({slug}) also needs: {options}.").format(
            rank=a.category.rank, slug=a.category.slug, options=", ".join(missing)))


_SLOT_WORDS = ("slot", "next", "franja")


def _shown(folder: Path) -> str:
    from bmnsocial.render.validation import display_path

    return display_path(folder)


def _missing_image(answer: str, config: Config) -> str | None:
    if (config.media_root / _media_path(answer, config)).is_file():
        return None
    return _("'{file}' is not in {folder}: copy the image there first, or check the name "
             "(capitals count).").format(file=answer, folder=_shown(config.media_root))


def _media_path(given: str, config: Config) -> str:
    """An image as the post names it: relative to the media folder, also when the person gave
    a path to it from here."""
    path = Path(given)
    if path.exists():
        try:
            return path.resolve().relative_to(config.media_root.resolve()).as_posix()
        except ValueError:
            pass
    return given


def _target(target: Path | None, a: Answers, config: Config) -> Path:
    if target is not None:
        if not target.name.lower().endswith((".yaml", ".yml")):
            raise UsageError(_("{file}: a post file's name ends in .yaml.").format(file=target))
        if target.exists():
            raise UsageError(_("{file} already exists and is left as it is: choose another "
                               "name with --file.").format(file=target))
        return target
    stem = file_stem(a)
    path = config.posts_dir / f"{stem}.yaml"
    n = 2
    while path.exists() or path.with_suffix(".yml").exists():
        path = config.posts_dir / f"{stem}-{n}.yaml"
        n += 1
    return path


def _preview(app: AppContext, raw: bytes, path: Path) -> bool:
    """Check and show the post as it will be written (nothing touches the folder yet)."""
    from bmnsocial.cli.preview import print_previews
    from bmnsocial.diagnostics import Diagnostic, sort_key
    from bmnsocial.posts.model import parse_post
    from bmnsocial.render.renderer import MediaCache
    from bmnsocial.render.validation import ValidationResult, check_post, display_path
    from bmnsocial.yamlsafe import load_bytes

    config = app.config
    name = display_path(path)
    result = ValidationResult(files=[name])
    loaded = load_bytes(raw, name)
    if isinstance(loaded, Diagnostic):
        result.diagnostics.append(loaded)
    else:
        post, diagnostics = parse_post(loaded, config, path.stem)
        result.diagnostics.extend(diagnostics)
        if post is None:
            post, _diagnostics = parse_post(loaded, config, path.stem, best_effort=True)
        if post is not None:
            checked, more = check_post(post, config, app.now(), MediaCache(config))
            result.diagnostics.extend(more)
            (result.posts if result.ok else result.drafts).append(checked)
    result.diagnostics.sort(key=sort_key)
    return print_previews(app, result, as_json=False) and result.ok
