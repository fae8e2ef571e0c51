"""JSON Schemas (draft 2020-12) of a post file and of config.yaml, for editors that check YAML
while it is typed (yaml-language-server: VS Code's YAML extension, Monaco with monaco-yaml).

Built from the tables validation reads: the key lists and descriptions of posts/model.py and
config.py, the categories, the platforms' registry and their section keys, the choices and
bounds. A schema says what it can (types, keys, choices, bounds, shapes, the keys a category
needs); validation stays the judge (time zones, files, what each platform takes)."""

from __future__ import annotations

from typing import Any

from bmnsocial import categories
from bmnsocial.accounts import ACCOUNT_MODES, SHARED_KEYS
from bmnsocial.categories import Rule
from bmnsocial.config import (
    _TOP_KEYS,
    ACCOUNT_SECTION_HELP,
    LINK_POLICIES,
    MISFIRE_POLICIES,
    SECTION_KEYS,
    SLOT_DAY_HELP,
    WEEKDAYS,
)
from bmnsocial.config import KEY_HELP as CONFIG_HELP
from bmnsocial.i18n import LANGUAGES, N_, current, in_language
from bmnsocial.platforms import registry
from bmnsocial.posts import model

DIALECT = "https://json-schema.org/draft/2020-12/schema"
Schema = dict[str, Any]

# Validation reads any scalar as text (``id: 2027``), and refuses text that is only spaces.
TEXT: Schema = {"type": ["string", "number", "boolean"], "pattern": r"\S"}
TEXT_LIST: Schema = {"anyOf": [TEXT, {"type": "array", "items": TEXT}]}
_TIME = r"[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?"
#: yaml-language-server says a pattern's ``patternErrorMessage`` instead of the pattern itself.
_PATTERN_HELP = {
    "url": N_("Write the full address, starting with https://."),
    "moment": N_("Write the date and the time: 2027-01-14 09:30 (local time)."),
    "day": N_("Write a date (2027-01-04), or a date and a time (2027-01-04 09:30)."),
    "hashtag": N_("A hashtag is one word of letters, digits and '_', without spaces."),
    "id": N_("Letters without accents (a-z), digits, '.', '-' and '_', starting with a letter "
             "or a digit."),
    "rank": N_("A category is its slug or its rank, 1 to 17: 'bmnsocial categories' lists "
               "them."),
    "hhmm": N_("Write 24-hour times like \"09:30\" (in quotes)."),
}


def _pattern(pattern: str, help_key: str, **schema: Any) -> Schema:
    return {"type": "string", **schema, "pattern": pattern,
            "patternErrorMessage": both_languages(_PATTERN_HELP[help_key])}


def _url() -> Schema:
    return _pattern(r"^\s*[hH][tT][tT][pP][sS]?://[^\s/$.?#][^\s]*\s*$", "url")


def _moment() -> Schema:
    return _pattern(rf"^\s*\d{{4}}-\d{{2}}-\d{{2}}{_TIME}\s*$", "moment")


def _day_or_moment() -> Schema:
    return _pattern(rf"^\s*\d{{4}}-\d{{2}}-\d{{2}}({_TIME})?\s*$", "day")


def _hashtags() -> Schema:
    one = _pattern(r"^\s*#?[^\s#]+\s*$", "hashtag")
    return {"anyOf": [one, {"type": "array", "items": one}]}


def both_languages(message: str) -> str:
    """The reader's language first, then the other: the schema file is shared by both."""
    first = current() if current() in LANGUAGES else "en"
    texts = [in_language(message, first),
             *(in_language(message, lang) for lang in LANGUAGES if lang != first)]
    return "\n\n".join(dict.fromkeys(texts))


def _described(schema: Schema, message: str | None) -> Schema:
    return {"description": both_languages(message), **schema} if message else dict(schema)


def _integer(minimum: int | None = None, maximum: int | None = None) -> Schema:
    schema: Schema = {"type": "integer"}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return schema


def _object(keys: tuple[str, ...], properties: dict[str, Schema], help_prefix: str,
            table: dict[str, str], **extra: Any) -> Schema:
    """A mapping that takes exactly ``keys``; a key without a type here is any value."""
    return {"type": "object", "additionalProperties": False, **extra,
            "properties": {k: _described(properties.get(k, {}), table.get(help_prefix + k))
                           for k in keys}}


def _platform_names() -> list[str]:
    names = [*registry.names(), *registry.aliases()]
    return [*names, *(n.capitalize() for n in names), *(n.upper() for n in names)]


def _media() -> Schema:
    item: Schema = {"anyOf": [
        TEXT, _object(model.MEDIA_KEYS, {"path": TEXT, "alt": TEXT}, "media.", model.KEY_HELP,
                      required=["path"])]}
    return {"anyOf": [item, {"type": "array", "items": item}]}


def _category_rules() -> list[Schema]:
    """What a category needs and a schema can see: the keys it must have."""
    needs: dict[Rule, Schema] = {
        Rule.NEEDS_EVENT_START: {"required": ["event"], "properties": {
            "event": {"required": ["starts"]}}},
        Rule.NEEDS_STREAM: {"required": ["event"], "properties": {
            "event": {"required": ["starts", "url"]}}},
        Rule.NEEDS_APPROVAL: {"required": ["approved_by"]},
    }
    rules = []
    for rule, then in needs.items():
        which = [c for c in categories.CATEGORIES if rule in c.rules]
        named: list[str | int] = [*(c.slug for c in which), *(c.rank for c in which),
                                  *(str(c.rank) for c in which)]
        rules.append({"if": {"required": ["category"],
                             "properties": {"category": {"enum": named}}},
                      "then": then})
    return rules


def post_schema() -> Schema:
    section_types: dict[str, Schema] = {
        "text": TEXT, "link": _url(), "hashtags": _hashtags(), "media": _media(),
        "thread": TEXT_LIST, "links": {"enum": list(LINK_POLICIES)},
        "default_hashtags": {"type": "boolean"}, "first_comment": TEXT}
    sections: dict[str, Schema] = {}
    recurring: Schema = {"anyOf": [{"required": ["cron"]}, {"required": ["every"]}]}
    for name in registry.names():
        keys = (*registry.get(name).post_keys, *model.SECTION_KEYS)
        section = _object(keys, section_types, "platform.", model.KEY_HELP)
        if "thread" in keys:
            section["not"] = {"required": ["text", "thread"]}
        described = {"description": both_languages(model.PLATFORM_SECTION_HELP).replace(
            "{platform}", registry.label(name)), **section}
        for key in (name, *registry.aliases_of(name)):
            sections[key] = described
    schedule = _object(model.SCHEDULE_KEYS, {
        "at": _moment(), "cron": TEXT, "every": TEXT, "start": _day_or_moment(),
        "until": _day_or_moment(), "count": _integer(1, 1000), "slot": {"const": "next"},
        "misfire": {"enum": list(MISFIRE_POLICIES)}}, "schedule.", model.KEY_HELP,
        oneOf=[{"required": ["at"]}, {"required": ["cron"]}, {"required": ["every"]},
               {"required": ["slot"]}],
        dependentSchemas={"start": recurring, "until": recurring,
                          "count": {"allOf": [recurring, {"required": ["start"]}]}})
    schedule["not"] = {"required": ["count", "until"]}
    event = _object(model.EVENT_KEYS, {
        "name": TEXT, "starts": _moment(), "ends": _moment(), "place": TEXT, "url": _url()},
        "event.", model.KEY_HELP)
    own: dict[str, Schema] = {
        "version": _integer(1, model.FORMAT_VERSION),
        "id": _pattern(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$", "id", type=["string", "number"]),
        "category": {"anyOf": [
            {"enum": list(categories.BY_SLUG)},
            _integer(1, len(categories.CATEGORIES)),
            _pattern(r"^\s*([1-9]|1[0-7])\s*$", "rank")]},
        "text": TEXT, "link": _url(), "hashtags": _hashtags(), "media": _media(),
        "platforms": {"anyOf": [{"enum": _platform_names()},
                                {"type": "array", "minItems": 1,
                                 "items": {"enum": _platform_names()}}]},
        "schedule": schedule, "event": event, "consent": {"type": "boolean"},
        "approved_by": TEXT, "draft": {"type": "boolean"},
        "recycle": _object(model.RECYCLE_KEYS, {
            "every_days": _integer(1, 3650), "until": _day_or_moment()}, "recycle.",
            model.KEY_HELP, required=["every_days"]),
        "default_hashtags": {"type": "boolean"}, "first_comment": TEXT}
    properties: dict[str, Schema] = {}
    for key in model.top_keys():
        properties[key] = sections[key] if key in sections else _described(
            own.get(key, {}), model.KEY_HELP.get(key))
    duplicates = [{"not": {"required": [alias, name]}}
                  for alias, name in registry.aliases().items()]
    return {"$schema": DIALECT, "title": both_languages(_TITLE_POST),
            "type": "object", "required": ["category"], "additionalProperties": False,
            "properties": properties, "allOf": [*_category_rules(), *duplicates]}


def config_schema() -> Schema:
    help_ = CONFIG_HELP
    hhmm = _pattern(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*$", "hhmm")
    slots = {"type": "object", "additionalProperties": False,
             "properties": {day: {"description": both_languages(SLOT_DAY_HELP).replace(
                 "{day}", day), "anyOf": [hhmm, {"type": "array", "items": hhmm}]}
                 for day in WEEKDAYS}}
    accounts: Schema = {"type": "object", "additionalProperties": False, "properties": {}}
    for name in registry.names():
        schema = registry.get(name).account
        described = {**{f"accounts.{k}": v for k, v in schema.help.items()},
                     **{f"accounts.{k}": help_[f"accounts.{k}"] for k in SHARED_KEYS}}
        section = _object((*SHARED_KEYS, *schema.keys), {"mode": {"enum": list(ACCOUNT_MODES)}},
                          "accounts.", described, required=list(schema.required))
        section["description"] = both_languages(ACCOUNT_SECTION_HELP).replace(
            "{platform}", registry.label(name))
        for key in (name, *registry.aliases_of(name)):
            accounts["properties"][key] = section
    platform_list = {"anyOf": [{"enum": _platform_names()},
                               {"type": "array", "items": {"enum": _platform_names()}}]}
    sections: dict[str, Schema] = {
        "defaults": {"platforms": platform_list, "hashtags": _hashtags(),
                     "require_alt_text": {"type": "boolean"}},
        "publish": {"timeout_seconds": _integer(1, 600),
                    "retry_deadline_hours": _integer(0, 24 * 14),
                    "retry_base_seconds": _integer(1, 3600),
                    "duplicate_window_days": _integer(1, 3650)},
        "daemon": {"poll_seconds": _integer(1, 300), "misfire": {"enum": list(MISFIRE_POLICIES)},
                   "late_after_minutes": _integer(1, 24 * 60),
                   "grace_minutes": _integer(0, 14 * 24 * 60),
                   "max_catchup_per_hour": _integer(1, 100),
                   "max_clock_skew_minutes": _integer(1, 24 * 60)},
        "mix": {"target": {"type": "object", "additionalProperties": {
                    "type": "number", "minimum": 0}},
                "tolerance": {"type": "number", "minimum": 0, "maximum": 10}},
        "ledger": {"backup_days": _integer(1, 3660)},
        "handoff": {"notify_command": {"anyOf": [{"type": "string"},
                                                 {"type": "array", "items": TEXT}]},
                    "notify_timeout_seconds": _integer(1, 3600),
                    "alert_after_hours": _integer(1, 24 * 60)},
        "inbox": {"answer_within_hours": _integer(1, 24 * 60),
                  "platforms": {"type": "array", "items": {"enum": _platform_names()}},
                  "lookback_days": _integer(1, 366)},
        "metrics": {"after_hours": {"type": "array", "items": _integer(1, 24 * 366)}},
        "review": {"forbid_drafts": {"type": "boolean"}},
    }
    own: dict[str, Schema] = {
        "version": {"const": 1}, "timezone": TEXT, "posts_dir": TEXT, "media_root": TEXT,
        "state_dir": TEXT, "secrets_file": TEXT, "horizon_days": _integer(1, 366),
        "accounts": accounts, "slots": slots,
        **{name: _object(keys, sections.get(name, {}), f"{name}.", help_)
           for name, keys in SECTION_KEYS.items()}}
    return {"$schema": DIALECT, "title": both_languages(_TITLE_CONFIG), "type": "object",
            "additionalProperties": False,
            "properties": {key: _described(own.get(key, {}), help_.get(key))
                           for key in _TOP_KEYS}}


_TITLE_POST = N_("bmnsocial post file (docs/post-format.md)")
_TITLE_CONFIG = N_("bmnsocial config.yaml (docs/configuration.md)")
