"""Message catalogs of bmnsocial (Babel): python scripts/i18n.py extract|update|compile|check|all

- extract: every message in bmnsocial/ (``_``, ``N_``, ``ngettext``) → locale/bmnsocial.pot
- update:  merge the template into each language's .po, keeping the translations
- compile: each .po → its .mo beside it (shipped in the package; runtime needs only gettext)
- check:   exit 1, listing every untranslated or fuzzy message, or a translation whose
           placeholders ({name}, %s) differ from the English

After changing messages: extract, update, translate the new entries (no "fuzzy" flag left),
compile, and commit the .pot, the .po and the .mo. tests/test_i18n.py checks all of it.
Babel is a development dependency (the test extra): ``pip install -e '.[test]'``.
"""

from __future__ import annotations

import gettext
import io
import re
import string
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "bmnsocial"
LOCALE_DIR = PACKAGE / "locale"
DOMAIN = "bmnsocial"
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
LANGUAGES = ("es",)
# The same keywords as bmnsocial.i18n: _("…"), N_("…") (marked, translated later), and
# ngettext("one", "many", n). The sandbox fakes speak the platforms' English: not ours.
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
METHOD_MAP = [("sandbox/**.py", "ignore"), ("**.py", "python")]
COMMENT_TAGS = ("TRANSLATORS:",)
WIDTH = 96
# Babel writes its own version into every catalog it compiles ("Generated-By: Babel 2.18.0"):
# the same .po compiled by two Babel versions differs in that header field only.
TOOL_HEADERS = frozenset({"generated-by"})


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return po_path(language).with_suffix(".mo")


def extract() -> Catalog:
    """Every message of the package, in the order found, with its files (no line numbers)."""
    catalog = Catalog(project="bmnsocial", msgid_bugs_address="", charset="utf-8",
                      fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            PACKAGE, METHOD_MAP, keywords=KEYWORDS, comment_tags=COMMENT_TAGS,
            strip_comment_tags=True):
        location = (f"bmnsocial/{Path(filename).as_posix()}", lineno)
        catalog.add(message, None, [location], auto_comments=comments, context=context)
    return catalog


def _po_bytes(catalog: Catalog, **options: bool) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=WIDTH, include_lineno=False, **options)
    return out.getvalue()


def _without_dates(data: bytes) -> bytes:
    return re.sub(rb'"(POT-Creation-Date|PO-Revision-Date): [^"]*\\n"\n', b"", data)


def _write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` unless only the header's dates would change."""
    if path.exists() and _without_dates(path.read_bytes()) == _without_dates(data):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def read(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=language)


def compiled(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def mo_contents(data: bytes) -> dict[str, str]:
    """What a compiled catalog holds, for comparing two of them: each header field (except the
    compiling tool's name, which says nothing about the messages) and each message's
    translation, keyed by its context and msgid (and plural)."""
    entries = {f"header {name}": value
               for name, value in gettext.GNUTranslations(io.BytesIO(data)).info().items()
               if name not in TOOL_HEADERS}
    for message in read_mo(io.BytesIO(data)):
        if message.id:
            entries[repr((message.context, message.id))] = repr(message.string)
    return entries


def is_compiled(mo: bytes, catalog: Catalog) -> bool:
    """Whether ``mo`` holds exactly what compiling ``catalog`` would, whichever Babel wrote it."""
    return mo_contents(mo) == mo_contents(compiled(catalog))


def placeholders(text: str) -> Counter[str]:
    """The replacement fields of a message: ``{name}``-style (str.format) and %-style."""
    found: Counter[str] = Counter()
    try:
        for _literal, field, spec, conversion in string.Formatter().parse(text):
            if field is not None:
                found["{" + field + ("!" + conversion if conversion else "")
                      + (":" + spec if spec else "") + "}"] += 1
    except ValueError:
        found["<unbalanced braces>"] += 1
    for match in re.finditer(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]", text):
        if match.group() != "%%":
            found[match.group()] += 1
    return found


def problems(catalog: Catalog) -> list[str]:
    """Untranslated, fuzzy, or placeholders that differ between English and translation."""
    out: list[str] = []
    for message in catalog:
        if not message.id:
            continue
        out.extend(message_problems(message))
    return out


def message_problems(message: Message) -> list[str]:
    ids = list(message.id) if isinstance(message.id, list | tuple) else [message.id]
    strings = (list(message.string) if isinstance(message.string, list | tuple)
               else [message.string])
    shown = repr(ids[0])
    if message.fuzzy:
        return [f"fuzzy: {shown}"]
    if not all(strings):
        return [f"untranslated: {shown}"]
    out = []
    for i, translation in enumerate(strings):
        english = ids[min(i, len(ids) - 1)]
        if i == 0 and len(ids) > 1:
            # The singular of a plural may leave out the count ("1 file" / "{n} files").
            wanted = placeholders(english) | placeholders(ids[1])
            if not placeholders(translation) <= wanted:
                out.append(f"placeholders differ: {shown} → {translation!r}")
            continue
        if placeholders(translation) != placeholders(english):
            out.append(f"placeholders differ: {shown} → {translation!r}")
    return out


def _set_header(catalog: Catalog) -> None:
    from datetime import UTC, datetime

    sys.path.insert(0, str(ROOT))
    from bmnsocial import __version__

    catalog.fuzzy = False
    catalog.project = "bmnsocial"
    catalog.version = __version__
    catalog.msgid_bugs_address = ""
    catalog.copyright_holder = "Biblioteca Médica Nacional"
    catalog.last_translator = "bmnsocial developers"
    catalog.language_team = f"{catalog.locale} (Biblioteca Médica Nacional)"
    catalog.header_comment = (
        f"# bmnsocial's messages in {catalog.locale}: translate the empty msgstr of each new\n"
        "# message, keep {placeholders} and %s exactly, then: python scripts/i18n.py compile")
    if not isinstance(catalog.revision_date, datetime):
        catalog.revision_date = datetime.now(UTC)


def cmd_extract() -> None:
    changed = _write_if_changed(TEMPLATE, _po_bytes(extract()))
    print(f"{TEMPLATE.relative_to(ROOT)}: {len(read(TEMPLATE))} messages"
          + ("" if changed else " (unchanged)"))


def cmd_update(languages: Iterable[str] = LANGUAGES) -> None:
    template = read(TEMPLATE)
    for language in languages:
        path = po_path(language)
        if path.exists():
            catalog = read(path, language)
        else:
            catalog = Catalog(locale=language, charset="utf-8")
        catalog.update(template, update_creation_date=False)
        catalog.obsolete.clear()  # the history lives in git
        _set_header(catalog)
        changed = _write_if_changed(path, _po_bytes(catalog))
        left = len(problems(catalog))
        print(f"{path.relative_to(ROOT)}: {len(catalog)} messages, {left} to translate"
              + ("" if changed else " (unchanged)"))


def cmd_compile(languages: Iterable[str] = LANGUAGES) -> None:
    for language in languages:
        catalog = read(po_path(language), language)
        path = mo_path(language)
        unchanged = path.exists() and is_compiled(path.read_bytes(), catalog)
        if not unchanged:  # another Babel version alone is no reason to rewrite the .mo
            path.write_bytes(compiled(catalog))
        print(f"{path.relative_to(ROOT)}: {len(catalog)} messages"
              + (" (unchanged)" if unchanged else ""))


def cmd_check(languages: Iterable[str] = LANGUAGES) -> int:
    code = 0
    wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in extract() if m.id}
    for language in languages:
        catalog = read(po_path(language), language)
        found = list(problems(catalog))
        have = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
        found += [f"missing (run update): {m!r}" for m in sorted(wanted - have)]
        if not is_compiled(mo_path(language).read_bytes(), catalog):
            found.append(f"{mo_path(language).relative_to(ROOT)} is stale (run compile)")
        for line in found:
            print(f"{language}: {line}")
        if found:
            code = 1
        else:
            print(f"{language}: all {len(catalog)} messages translated")
    return code


def main(argv: list[str]) -> int:
    commands = {"extract": cmd_extract, "update": cmd_update, "compile": cmd_compile}
    if len(argv) != 1 or argv[0] not in (*commands, "check", "all"):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    if argv[0] == "check":
        return cmd_check()
    for name in commands if argv[0] == "all" else [argv[0]]:
        commands[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
