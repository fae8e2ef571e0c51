"""Messages in the user's language: Spanish or English (the msgids), through gettext.

The language comes from --lang, then BMNSOCIAL_LANG, then the locale (LC_ALL, LC_MESSAGES,
LANG: es_CU.UTF-8 → Spanish), else English. Catalogs are compiled (.mo) and shipped in the
package (bmnsocial/locale/); scripts/i18n.py extracts, updates and compiles them. click's own
messages ("Usage:", "Error: …") are in the same catalog: click looks them up through the
global gettext domain, which ``install`` points at ours.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from pathlib import Path

DOMAIN = "bmnsocial"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "es")

_translation: gettext.NullTranslations = gettext.NullTranslations()
_current = "en"


def language_code(value: str) -> str:
    """'es_CU.UTF-8', 'ES', 'es-CU' -> 'es' (not checked against LANGUAGES)."""
    return value.split(".")[0].split("_")[0].split("-")[0].lower()


def detect(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    for value in (explicit, env.get("BMNSOCIAL_LANG"), env.get("LC_ALL"),
                  env.get("LC_MESSAGES"), env.get("LANG")):
        if value:
            code = language_code(value)
            if code in LANGUAGES:
                return code
            if value in (explicit, env.get("BMNSOCIAL_LANG")):
                continue  # an unknown explicit choice falls through to the next source
            if code not in ("c", "posix"):
                return "en"
    return "en"


def install(language: str) -> None:
    """Use ``language`` for every message from now on (ours and click's)."""
    global _translation, _current
    _current = language if language in LANGUAGES else "en"
    if _current == "en":
        _translation = gettext.NullTranslations()
    else:
        _translation = gettext.translation(DOMAIN, LOCALE_DIR, languages=[_current],
                                           fallback=True)
    # click's own messages go through the global gettext functions, which take the language
    # from LANGUAGE and the domain from textdomain(): point both at our choice.
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    if _current == "en":
        gettext.textdomain("messages")
    else:
        os.environ["LANGUAGE"] = _current
        gettext.textdomain(DOMAIN)


def current() -> str:
    return _current


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def number(value: float, places: int = 0) -> str:
    """``value`` written as the reader writes numbers: 63,206.5 in English, 63 206,5 in
    Spanish (a decimal comma, and a no-break space between thousands, as the RAE asks)."""
    text = f"{value:,.{places}f}"
    if _current == "es":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def money(usd: float) -> str:
    """US dollars to the tenth of a cent, as X's price table writes them: $0.215, $0,215."""
    return "$" + number(usd, 3)


def percent(fraction: float, places: int = 1) -> str:
    """21.1% in English, 21,1 % in Spanish."""
    shown = number(fraction * 100, places)
    return f"{shown}\u00a0%" if _current == "es" else f"{shown}%"


def N_(message: str) -> str:
    """Marks ``message`` for the catalog without translating it: for module-level tables built
    at import time, whose values are translated where they are shown, with ``_(value)``."""
    return message


def in_language(message: str, language: str) -> str:
    """``message`` in ``language``, whatever the messages' current language (a text that
    carries both languages, such as the editor schemas' descriptions)."""
    if language not in LANGUAGES or language == "en":
        return message
    return _catalog(language).gettext(message)


_catalogs: dict[str, gettext.NullTranslations] = {}


def _catalog(language: str) -> gettext.NullTranslations:
    if language not in _catalogs:
        _catalogs[language] = gettext.translation(DOMAIN, LOCALE_DIR, languages=[language],
                                                  fallback=True)
    return _catalogs[language]
