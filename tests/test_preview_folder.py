"""`preview` with no file: every post of the posts folder, in the terminal, as JSON and on one
HTML page with a table of contents by date (issue 14, item 3)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.cli.root import cli
from tests.helpers import WritePost


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def _three_posts(write_post: WritePost) -> None:
    write_post("b-tarde.yaml", "category: 9\ntext: Tarde\nschedule: {at: 2027-01-14 15:00}\n")
    write_post("a-manana.yaml", "category: 9\ntext: Mañana\nschedule: {at: 2027-01-14 09:00}\n")
    write_post("sub/c-antes.yaml", "category: 9\ntext: Antes\n"
               "schedule: {at: 2027-01-10 08:30}\n")
    write_post("d-sin-fecha.yaml", "category: 9\ntext: Cuando se pueda\n")


def test_preview_without_files_shows_every_post_of_the_folder(workspace: Path,
                                                              write_post: WritePost) -> None:
    _three_posts(write_post)
    code, out, _ = run("preview")
    assert code == ExitCode.OK
    for text in ("│ Tarde", "│ Mañana", "│ Antes", "│ Cuando se pueda"):
        assert text in out
    assert "4 files checked: 4 valid" in out
    code, out, _ = run("preview", "--json")
    assert code == ExitCode.OK
    assert sorted(p["id"] for p in json.loads(out)["posts"]) == [
        "a-manana", "b-tarde", "c-antes", "d-sin-fecha"]


def test_preview_without_files_is_invalid_when_one_post_is(workspace: Path,
                                                           write_post: WritePost) -> None:
    write_post("a.yaml", "category: 9\ntext: Bien\n")
    write_post("b.yaml", "category: [\n")
    code, out, _ = run("preview", "--json")
    assert code == ExitCode.INVALID
    shown = json.loads(out)
    assert [p["id"] for p in shown["posts"]] == ["a"]
    assert [e["file"] for e in shown["errors"]] == ["posts/b.yaml"]


def test_preview_without_files_and_no_posts_folder_is_a_usage_error(workspace: Path) -> None:
    (workspace / "posts").rename(workspace / "elsewhere")
    code, _, err = run("preview")
    assert code == ExitCode.USAGE and "the posts folder" in err


def test_html_of_the_folder_has_a_table_of_contents_by_date(workspace: Path,
                                                            write_post: WritePost) -> None:
    _three_posts(write_post)
    code, out, _ = run("preview", "--html", "all.html")
    assert code == ExitCode.OK and "HTML preview written to all.html" in out
    page = (workspace / "all.html").read_text(encoding="utf-8")
    toc = page[page.index('<nav class="toc"'):page.index("</nav>")]
    assert "Contents by date (America/Havana)" in toc
    days = re.findall(r'<span class="toc-day">([^<]*)</span>', toc)
    assert days == ["Sunday 2027-01-10", "Thursday 2027-01-14", "No date ahead"]
    links = re.findall(r'<a href="#([^"]+)">', toc)
    assert links == ["post-c-antes", "post-a-manana", "post-b-tarde", "post-d-sin-fecha"]
    assert re.findall(r'<span class="toc-time">([^<]*)</span>', toc) == [
        "08:30", "09:00", "15:00"]
    for anchor in links:  # every entry leads to its post on the page
        assert f'<article class="post valid" id="{anchor}"' in page
    run("preview", "posts/a-manana.yaml", "--html", "one.html")  # one post needs none
    one = (workspace / "one.html").read_text(encoding="utf-8")
    assert '<nav class="toc"' not in one and 'id="post-a-manana"' in one


def test_table_of_contents_marks_invalid_posts_and_keeps_anchors_apart(
        workspace: Path, write_post: WritePost) -> None:
    write_post("a.yaml", "id: mismo\ncategory: 9\ntext: Uno\nschedule: {at: 2027-01-14 09:00}\n")
    write_post("b.yaml", "id: mismo\ncategory: 9\ntext: Dos\nschedule: {at: 2027-01-15 09:00}\n")
    code, _, _ = run("preview", "--html", "all.html")
    assert code == ExitCode.INVALID  # one id in two files
    page = (workspace / "all.html").read_text(encoding="utf-8")
    toc = page[page.index('<nav class="toc"'):page.index("</nav>")]
    assert re.findall(r'<a href="#([^"]+)">', toc) == ["post-mismo", "post-mismo-2"]
    assert toc.count('<li class="invalid">') == 2 and "invalid</span>" in toc
    assert 'id="post-mismo"' in page and 'id="post-mismo-2"' in page
