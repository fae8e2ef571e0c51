"""`bmnsocial new`: questions or options, each category's template, the preview, and a valid
post file written whole, never over an existing one."""

from __future__ import annotations

import os
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.cli.root import cli
from bmnsocial.config import load_config
from bmnsocial.posts.editor_schema import post_schema
from bmnsocial.render.validation import validate_paths
from bmnsocial.yamlsafe import load_file
from tests.helpers import NOW, REPO

IMAGE = "jornada-cientifica-cartel.jpg"  # in the sample media folder


def run(*args: str, answers: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=answers)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def _valid(path: Path) -> None:
    config = load_config(Path("config.yaml"))
    assert [d.format() for d in validate_paths([path], config, NOW).errors] == []
    data = load_file(path).data  # type: ignore[union-attr]
    assert list(jsonschema.Draft202012Validator(post_schema()).iter_errors(data)) == []


def test_options_alone_write_a_valid_commented_post(workspace: Path) -> None:
    code, out = run("new", "1", "--text", "Jornada Científica: ¡les esperamos!",
                    "--link", "https://www.bmns.sld.cu/jornada", "--image",
                    f"posts/media/{IMAGE}", "--alt", "Cartel de la jornada",
                    "--event-name", "Jornada Científica", "--event-starts", "2027-01-21 09:00",
                    "--event-place", "Sala de conferencias", "--at", "2027-01-14 09:00")
    assert code == 0, out
    path = workspace / "posts" / "jornada-cientifica.yaml"
    assert f"Written: {path.relative_to(workspace)}" in out or f"Written: {path}" in out
    assert "── Facebook ──" in out and "Jornada Científica: ¡les esperamos!" in out
    text = path.read_text(encoding="utf-8")
    assert "# Category 1 (eventos-biblioteca)" in text
    assert f"  - path: \"{IMAGE}\"" in text  # relative to the media folder
    assert "  starts: 2027-01-21 09:00" in text and "  at: 2027-01-14 09:00" in text
    _valid(path)
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


def test_each_category_asks_what_it_needs(workspace: Path) -> None:
    code, out = run("new", "transmisiones-en-vivo", "--text", "En vivo")
    assert code == ExitCode.USAGE
    assert "--event-starts, --stream-url" in out
    code, out = run("new", "17", "--text", "Defendamos el acceso abierto")
    assert code == ExitCode.USAGE and "--approved-by" in out
    code, out = run("new", "fotos-eventos", "--text", "Fotos del taller")
    assert code == ExitCode.USAGE and "--image" in out
    assert list((workspace / "posts").glob("*.yaml")) == []


def test_templates_hold_each_categorys_fields(workspace: Path) -> None:
    code, out = run("new", "16", "--text", "Comienza la transmisión", "--event-starts",
                    "2027-01-21 09:00", "--stream-url", "https://www.facebook.com/bmn/live",
                    "--file", "posts/vivo.yaml")
    assert code == 0, out
    assert "  url: \"https://www.facebook.com/bmn/live\"" in (
        workspace / "posts" / "vivo.yaml").read_text(encoding="utf-8")
    _valid(workspace / "posts" / "vivo.yaml")
    code, out = run("new", "invitar-comentarios", "--text", "Leímos mucho este año.",
                    "--question", "¿Qué libro nos recomiendan?", "--file", "posts/pregunta.yaml")
    assert code == 0, out
    text = (workspace / "posts" / "pregunta.yaml").read_text(encoding="utf-8")
    assert 'text: "Leímos mucho este año. ¿Qué libro nos recomiendan?"' in text
    assert "CATEGORY-SUGGESTS-QUESTION" not in out
    _valid(workspace / "posts" / "pregunta.yaml")


def test_an_existing_file_is_never_overwritten(workspace: Path) -> None:
    taken = workspace / "posts" / "hola.yaml"
    taken.write_text("# mine\n", encoding="utf-8")
    code, out = run("new", "9", "--text", "Hola", "--file", "posts/hola.yaml")
    assert code == ExitCode.USAGE and "already exists" in out
    assert taken.read_text(encoding="utf-8") == "# mine\n"
    code, out = run("new", "9", "--text", "Hola")  # the default name takes the next free one
    assert code == 0, out
    assert taken.read_text(encoding="utf-8") == "# mine\n"
    _valid(workspace / "posts" / "hola-2.yaml")


def test_an_invalid_answer_writes_nothing(workspace: Path) -> None:
    code, out = run("new", "3", "--text", "Servicio", "--link", "www.sld.cu")
    assert code == ExitCode.INVALID
    assert "POST-LINK" in out and "Nothing was written" in out
    code, out = run("new", "3", "--text", "Servicio", "--at", "2027-01-14")
    assert code == ExitCode.INVALID and "SCHED-TIME" in out
    assert list((workspace / "posts").iterdir()) == [workspace / "posts" / "media"]


def test_without_a_terminal_a_missing_answer_names_its_option(workspace: Path) -> None:
    code, out = run("new")
    assert code == ExitCode.USAGE and "bmnsocial new 3" in out
    code, out = run("new", "3")
    assert code == ExitCode.USAGE and "--text" in out
    code, out = run("new", "noticias", "--text", "Hola")
    assert code == ExitCode.USAGE and "17" in out


def test_questions_in_spanish_then_preview_then_write(workspace: Path) -> None:
    answers = "\n".join([
        "1",  # category
        "Jornada Científica 2027: ¡les esperamos!",  # text
        "https://www.bmns.sld.cu/jornada",  # link
        f"posts/media/{IMAGE}", "Cartel azul de la jornada", "",  # one image, no more
        "Jornada Científica BMN 2027", "2027-01-21 09:00", "Sala de conferencias",  # event
        "2027-01-14 09:00",  # when
        "s",  # write it
    ]) + "\n"
    code, out = run("--lang", "es", "new", "--ask", answers=answers)
    assert code == 0, out
    assert "Categoría (número o nombre)" in out and "Nombre del evento" in out
    assert "Imagen en" in out and "¿Escribir" in out and "Escrito:" in out
    path = workspace / "posts" / "jornada-cientifica-bmn-2027.yaml"
    text = path.read_text(encoding="utf-8")
    assert "# Categoría 1 (eventos-biblioteca)" in text and "# Cuándo sale (hora local)." in text
    _valid(path)


def test_saying_no_after_the_preview_writes_nothing(workspace: Path) -> None:
    code, out = run("new", "9", "--text", "Hola", "--ask", answers="\n\n\nn\n")
    assert code == 0 and "Nothing was written." in out
    assert list((workspace / "posts").glob("*.yaml")) == []


def test_the_schema_line_points_at_the_repositorys_schema(workspace: Path) -> None:
    (workspace / "schemas").mkdir()
    (workspace / "schemas" / "post.schema.json").write_bytes(
        (REPO / "schemas" / "post.schema.json").read_bytes())
    code, out = run("new", "9", "--text", "Hola", "--file", "posts/hola.yaml")
    assert code == 0, out
    first = (workspace / "posts" / "hola.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/post.schema.json"
    assert os.path.exists(workspace / "posts" / first.split("=", 1)[1])


def test_a_wrong_answer_is_asked_again(workspace: Path) -> None:
    answers = "\n".join([
        "Consulte nuestras guías de búsqueda.",  # text
        "www.bmns.sld.cu", "https://www.bmns.sld.cu/guias",  # link: wrong, then right
        "guia.jpg", IMAGE, "Cartel de la jornada", "",  # image: not there, then there
        "mañana a las 9", "2027-01-14 09:30",  # when: wrong, then right
    ]) + "\n"
    code, out = run("new", "3", "--ask", "--yes", "--file", "posts/guias.yaml", answers=answers)
    assert code == 0, out
    assert "'www.bmns.sld.cu' is not a web address" in out
    assert "'guia.jpg' is not in posts/media" in out
    assert "'mañana a las 9' is not a date and time" in out
    text = (workspace / "posts" / "guias.yaml").read_text(encoding="utf-8")
    assert 'link: "https://www.bmns.sld.cu/guias"' in text and "  at: 2027-01-14 09:30" in text
    _valid(workspace / "posts" / "guias.yaml")


def test_a_long_text_is_folded_and_reads_back_the_same(workspace: Path) -> None:
    from bmnsocial.posts.model import parse_post
    from bmnsocial.yamlsafe import load_bytes

    text = ("La Biblioteca Médica Nacional invita a su Jornada Científica 2027: #salud "
            "investigaciones, talleres y la presentación de nuevas bases de datos: ¡les "
            "esperamos en 23 esq. N, Vedado!")
    code, out = run("new", "9", "--text", text, "--file", "posts/largo.yaml")
    assert code == 0, out
    written = (workspace / "posts" / "largo.yaml").read_text(encoding="utf-8")
    assert "text: >-\n" in written
    doc = load_bytes(written.encode("utf-8"), "largo.yaml")
    post, _diagnostics = parse_post(doc, load_config(Path("config.yaml")), "largo")  # type: ignore[arg-type]
    assert post is not None and post.text == text
