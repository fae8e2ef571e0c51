"""Messages in Spanish: every message in the code is in the Spanish catalog, the shipped .mo is
the compiled .po, the language is chosen as documented, and real runs speak Spanish."""

from __future__ import annotations

import ast
import gettext
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bmnsocial import i18n
from bmnsocial.categories import BY_RANK, BY_SLUG
from scripts.i18n import (
    KEYWORDS,
    TEMPLATE,
    compiled,
    extract,
    message_problems,
    mo_contents,
    mo_path,
    po_path,
    read,
)
from tests.helpers import REPO, WritePost, default_signals

PACKAGE = REPO / "bmnsocial"


def msgid(message: object) -> str:
    value = getattr(message, "id")  # noqa: B009 - str or (singular, plural)
    return value if isinstance(value, str) else value[0]


@pytest.fixture(scope="module")
def extracted() -> dict[str, object]:
    return {msgid(m): m for m in extract() if m.id}


@pytest.fixture(scope="module")
def spanish():  # type: ignore[no-untyped-def]
    return read(po_path("es"), "es")


# -- the catalogs ---------------------------------------------------------------------------

def test_every_message_in_the_code_is_translated_to_spanish(extracted, spanish) -> None:  # type: ignore[no-untyped-def]
    assert len(extracted) > 500
    missing = [m for m in extracted if spanish.get(m) is None]
    assert not missing, f"not in es.po (python scripts/i18n.py extract && update): {missing}"
    problems = [p for m in extracted for p in message_problems(spanish.get(m))]
    assert not problems, "\n".join(problems)


def test_plural_messages_stay_plural_in_the_catalog(extracted, spanish) -> None:  # type: ignore[no-untyped-def]
    for key, message in extracted.items():
        english_plural = not isinstance(message.id, str)  # type: ignore[attr-defined]
        assert english_plural == (not isinstance(spanish.get(key).id, str)), key


def test_the_template_lists_exactly_the_messages_in_the_code(extracted) -> None:  # type: ignore[no-untyped-def]
    template = {msgid(m) for m in read(TEMPLATE) if m.id}
    assert template == set(extracted), "run: python scripts/i18n.py extract"


def test_the_shipped_mo_is_the_compiled_po(spanish) -> None:  # type: ignore[no-untyped-def]
    assert mo_contents(mo_path("es").read_bytes()) == mo_contents(compiled(spanish)), (
        "run: python scripts/i18n.py compile")


def test_catalogs_compare_by_content_not_by_babel_version(  # type: ignore[no-untyped-def]
        spanish, monkeypatch: pytest.MonkeyPatch) -> None:
    import babel.messages.catalog

    ours = compiled(spanish)
    monkeypatch.setattr(babel.messages.catalog, "VERSION", "0.0.1")
    other_babel = compiled(spanish)
    assert other_babel != ours and b"Generated-By: Babel 0.0.1" in other_babel
    assert mo_contents(other_babel) == mo_contents(ours)
    retranslated = read(po_path("es"), "es")
    retranslated["Usage:"].string = "Modo de empleo:"
    assert mo_contents(compiled(retranslated)) != mo_contents(ours)
    other_team = read(po_path("es"), "es")
    other_team.language_team = "otro equipo"
    assert mo_contents(compiled(other_team)) != mo_contents(ours)


def test_the_mo_is_what_gettext_loads() -> None:
    es = gettext.translation(i18n.DOMAIN, i18n.LOCALE_DIR, languages=["es"])
    assert es.gettext("Usage:") == "Uso:"
    assert es.ngettext("1 file checked", "{n} files checked", 3) == "{n} archivos revisados"


def _marked_calls() -> list[tuple[Path, int, ast.Call]]:
    calls = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "sandbox" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in KEYWORDS):
                calls.append((path, node.lineno, node))
    return calls


def test_every_marked_literal_reaches_the_catalog(extracted) -> None:  # type: ignore[no-untyped-def]
    """Babel misses _("…") inside an f-string's braces or inside another _() call, and an
    f-string inside _() can never match a msgid: each would stay in English."""
    wrong = []
    for path, line, call in _marked_calls():
        where = f"{path.relative_to(REPO)}:{line}"
        first = call.args[0] if call.args else None
        if isinstance(first, ast.JoinedStr):
            wrong.append(f"{where}: an f-string inside {call.func.id}(): use .format()")  # type: ignore[attr-defined]
        elif (isinstance(first, ast.Constant) and isinstance(first.value, str)
              and first.value not in extracted):
            wrong.append(f"{where}: {first.value!r} is not extracted (move it out of the "
                         "f-string or the enclosing call)")
    assert not wrong, "\n".join(wrong)


# -- choosing the language ------------------------------------------------------------------

@pytest.mark.parametrize(("explicit", "environ", "expected"), [
    (None, {}, "en"),
    (None, {"LANG": "es_CU.UTF-8"}, "es"),
    (None, {"LANG": "es_ES"}, "es"),
    (None, {"LANG": "fr_FR.UTF-8"}, "en"),
    (None, {"LANG": "C"}, "en"),
    (None, {"LANG": "POSIX"}, "en"),
    (None, {"LANG": "C.UTF-8"}, "en"),
    (None, {"LC_MESSAGES": "es_CU.UTF-8", "LANG": "en_US.UTF-8"}, "es"),
    (None, {"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "es_CU.UTF-8"}, "en"),
    (None, {"LC_ALL": "es_CU.UTF-8", "LANG": "en_US.UTF-8"}, "es"),
    (None, {"BMNSOCIAL_LANG": "es", "LC_ALL": "en_US.UTF-8"}, "es"),
    (None, {"BMNSOCIAL_LANG": "en", "LANG": "es_CU.UTF-8"}, "en"),
    ("es", {"BMNSOCIAL_LANG": "en", "LC_ALL": "en_US.UTF-8"}, "es"),
    ("en", {"BMNSOCIAL_LANG": "es", "LANG": "es_CU.UTF-8"}, "en"),
    ("ES", {}, "es"),
])
def test_language_order(explicit: str | None, environ: dict[str, str], expected: str) -> None:
    assert i18n.detect(explicit, environ) == expected


def test_category_labels_follow_the_language() -> None:
    c = BY_RANK[16]
    assert c.label("es") == "Transmisiones en vivo." and c.label("en") == "Live streams."
    assert c.label() == c.label_en  # the suite runs in English (conftest)


# -- real runs ------------------------------------------------------------------------------

def run(args: list[str], cwd: Path, **env: str | None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items()
               if k not in ("BMNSOCIAL_LANG", "LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    environ.update({k: v for k, v in env.items() if v is not None})
    return subprocess.run([sys.executable, "-m", "bmnsocial", *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, check=False, preexec_fn=default_signals)


BAD_LINK = """
    category: eventos-biblioteca
    text: "Jornada"
    link: no-es-un-enlace
    event: {starts: 2027-01-20 10:00}
    """


def test_validate_in_spanish_keeps_codes(workspace: Path, write_post: WritePost) -> None:
    write_post("malo.yaml", BAD_LINK)
    proc = run(["--lang", "es", "validate"], workspace)
    assert proc.returncode == 1, proc.stderr
    assert ("posts/malo.yaml:3:7: error[POST-LINK]: 'no-es-un-enlace' no es una dirección web. "
            "Sugerencia: Escriba la dirección completa, empezando por https://.") in proc.stdout
    assert "1 archivo revisado" in proc.stdout
    english = run(["validate"], workspace)
    assert "error[POST-LINK]: 'no-es-un-enlace' is not a web address." in english.stdout
    assert "1 file checked" in english.stdout


def test_locale_chooses_spanish_for_categories(tmp_path: Path) -> None:
    spanish = run(["categories"], tmp_path, LANG="es_CU.UTF-8")
    assert spanish.returncode == 0, spanish.stderr
    assert BY_SLUG["politica-publica"].label_es in spanish.stdout
    assert BY_SLUG["politica-publica"].label_en not in spanish.stdout
    assert "[requiere-aprobación]" in spanish.stdout
    english = run(["categories"], tmp_path)
    assert BY_SLUG["politica-publica"].label_en in english.stdout
    assert "[needs-approval]" in english.stdout and "label (es) / label (en)" in english.stdout


def test_lang_option_and_variable_beat_the_locale(tmp_path: Path) -> None:
    forced = run(["--lang", "en", "categories"], tmp_path, LANG="es_CU.UTF-8")
    assert "[needs-approval]" in forced.stdout
    variable = run(["categories"], tmp_path, BMNSOCIAL_LANG="en", LC_ALL="es_CU.UTF-8")
    assert "[needs-approval]" in variable.stdout
    spanish = run(["categories"], tmp_path, BMNSOCIAL_LANG="es", LANG="C.UTF-8")
    assert "[requiere-aprobación]" in spanish.stdout
    french = run(["categories"], tmp_path, LANG="fr_FR.UTF-8")
    assert "[needs-approval]" in french.stdout
    for like_a_locale in ("es_CU.UTF-8", "ES", "es-CU"):
        spanish = run(["categories"], tmp_path, BMNSOCIAL_LANG=like_a_locale, LANG="C.UTF-8")
        assert spanish.returncode == 0 and "[requiere-aprobación]" in spanish.stdout
    unknown = run(["categories"], tmp_path, BMNSOCIAL_LANG="fr")
    assert unknown.returncode == 2 and "'fr' is not one of: en, es." in unknown.stderr


def test_help_in_spanish_including_clicks_words(tmp_path: Path) -> None:
    proc = run(["--lang", "es", "--help"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("Uso: bmnsocial [OPCIONES] ORDEN [ARGUMENTOS]...")
    assert "\nOpciones:\n" in out and "\nComandos:\n" in out
    assert "Muestra este mensaje y termina." in out and "Muestra la versión y termina." in out
    assert "[variable de entorno: BMNSOCIAL_LANG]" in out
    assert "Planifica, revisa y publica" in out and "Revisa los archivos de publicación" in out
    assert "Show this message" not in out and "Options:" not in out
    sub = run(["--lang", "es", "validate", "--help"], tmp_path)
    assert "[predeterminado: text]" in sub.stdout and "Igual que --format json." in sub.stdout
    english = run(["--help"], tmp_path, LANG="es_CU.UTF-8", BMNSOCIAL_LANG="en")
    assert english.stdout.startswith("Usage: bmnsocial") and "\nOptions:\n" in english.stdout


def test_command_line_errors_in_spanish(tmp_path: Path) -> None:
    proc = run(["--lang", "es", "validate", "--bogus"], tmp_path)
    assert proc.returncode == 2
    assert "Uso: bmnsocial validate [OPCIONES] [PATHS]..." in proc.stderr
    assert "Pruebe 'bmnsocial validate --help' para ver la ayuda." in proc.stderr
    assert "Error: No existe la opción '--bogus'." in proc.stderr
    choice = run(["--lang", "es", "validate", "--format", "xml"], tmp_path)
    assert "no es ninguno de estos: 'text', 'json'." in choice.stderr
    missing = run(["--lang", "es", "post", "--now", "x.yaml"], tmp_path)
    assert "Error: Valor no válido para 'FILES...': Ruta 'x.yaml': no existe." in missing.stderr
    (tmp_path / "a.yaml").write_text("category: 1\n", encoding="utf-8")
    ours = run(["--lang", "es", "post", "--now", "--at", "2027-01-14 09:00", "a.yaml"],
               tmp_path)
    assert ours.returncode == 2
    assert ours.stderr == "Error: indique --now o --at, no ambos.\n"


@pytest.mark.parametrize(("lang", "monday", "longest"), [("en", "Monday", "Wednesday"),
                                                         ("es", "lunes", "miércoles")])
def test_dates_in_columns_line_up_in_each_language(lang: str, monday: str, longest: str) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bmnsocial.timeutil import describe

    havana = ZoneInfo("America/Havana")
    i18n.install(lang)
    try:
        short = describe(datetime(2027, 1, 4, 9, tzinfo=havana), havana, aligned=True)
        long = describe(datetime(2027, 1, 6, 9, tzinfo=havana), havana, aligned=True)
        prose = describe(datetime(2027, 1, 4, 9, tzinfo=havana), havana)
    finally:
        i18n.install("en")
    assert short == f"{monday:<{len(longest)}} 2027-01-04 09:00 (-05:00)"
    assert long == f"{longest} 2027-01-06 09:00 (-05:00)"
    assert prose == f"{monday} 2027-01-04 09:00 (-05:00)"
