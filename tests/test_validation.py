from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bmnsocial.config import Config
from bmnsocial.render.validation import ValidationResult, validate_paths
from bmnsocial.sandbox.testing import sample_png
from tests.helpers import NOW, WritePost

IMG = "jornada-cientifica-cartel.jpg"


def check(config: Config, *paths: Path) -> ValidationResult:
    return validate_paths(list(paths) or [config.posts_dir], config, NOW)


def codes(result: ValidationResult) -> list[str]:
    return [d.code for d in result.diagnostics]


def test_minimal_post_is_valid(config: Config, write_post: WritePost) -> None:
    write_post("a.yaml", """
        category: interes-local
        text: Hola desde la BMN.
    """)
    result = check(config)
    assert result.ok, [d.format() for d in result.diagnostics]
    assert result.posts[0].post.id == "a"
    assert result.posts[0].post.platforms == ("facebook", "twitter")


def test_category_by_rank_number(config: Config, write_post: WritePost) -> None:
    write_post("a.yaml", "category: 9\ntext: Hola.\n")
    result = check(config)
    assert result.posts[0].post.category.slug == "interes-local"


def test_unknown_key_suggests_the_right_one(config: Config, write_post: WritePost) -> None:
    write_post("a.yaml", "category: 9\ntext: Hola.\nhastags: [BMN]\n")
    (d,) = check(config).diagnostics
    assert (d.code, d.line, d.column) == ("SCHEMA-UNKNOWN-KEY", 3, 1)
    assert d.hint.startswith("did you mean") and "'hashtags'" in d.hint


def test_unknown_category_suggests(config: Config, write_post: WritePost) -> None:
    write_post("a.yaml", "category: coleciones\ntext: Hola.\n")
    (d,) = check(config).diagnostics
    assert d.code == "CATEGORY-UNKNOWN" and "colecciones" in d.hint


def test_a_misspelt_word_of_a_category_suggests_every_category_with_that_word(
        config: Config, write_post: WritePost) -> None:
    write_post("a.yaml", "category: eventoz\ntext: Hola.\n")
    (d,) = check(config).diagnostics
    assert d.hint == ("did you mean one of: 'eventos-biblioteca', 'fotos-eventos', "
                      "'eventos-comunidad'?")
    assert (d.line, d.column) == (1, 11)


def test_the_same_slip_in_many_files_is_looked_up_once(
        config: Config, write_post: WritePost, monkeypatch: pytest.MonkeyPatch) -> None:
    import difflib

    from bmnsocial import i18n, schema

    schema._close_choices.cache_clear()
    calls = 0
    real = difflib.SequenceMatcher

    def counting(*args: object, **kwargs: object) -> difflib.SequenceMatcher[str]:
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(difflib, "SequenceMatcher", counting)
    write_post("p00.yaml", "category: coleciones\ntext: Hola.\n")
    assert [d.hint for d in check(config).diagnostics] == ["did you mean 'colecciones'?"]
    once = calls
    assert once > 0
    for i in range(1, 20):
        write_post(f"p{i:02d}.yaml", f"category: coleciones\ntext: Hola {i}.\n")
    hints = [d.hint for d in check(config).diagnostics]
    assert hints == ["did you mean 'colecciones'?"] * 20 and calls == once
    # The cache holds the suggestion, not the sentence: it still follows the language.
    i18n.install("es")
    try:
        hints = [d.hint for d in check(config).diagnostics]
    finally:
        i18n.install("en")
    assert hints == ["¿quiso decir 'colecciones'?"] * 20 and calls == once


def test_every_error_of_every_file_in_one_run(config: Config, write_post: WritePost) -> None:
    write_post("a.yaml", "category: 99\ntext: ''\nplatforms: [myspace]\n")
    write_post("b.yaml", "category: [\n")
    write_post("c.yaml", "category: 9\ntext: válido\n")
    result = check(config)
    assert {"CATEGORY-UNKNOWN", "SCHEMA-EMPTY", "SCHEMA-VALUE", "YAML-SYNTAX"} <= set(
        codes(result))
    assert result.invalid_files == {"posts/a.yaml", "posts/b.yaml"}
    assert len(result.files) == 3
    assert [c.post.id for c in result.posts] == ["c"]


def test_the_size_limit_reads_no_more_than_it_needs(tmp_path: Path) -> None:
    from bmnsocial.yamlsafe import Document, load_file

    body = b"category: 9\ntext: x\n"
    exact = tmp_path / "exact.yaml"
    exact.write_bytes(body)
    assert isinstance(load_file(exact, max_bytes=len(body)), Document)
    over = load_file(exact, max_bytes=len(body) - 1)
    assert not isinstance(over, Document) and over.code == "FILE-TOO-LARGE"


@pytest.mark.parametrize("body, code", [
    (b"", "FILE-EMPTY"),
    (b"# only a comment\n", "FILE-EMPTY"),
    (b"- category: 9\n  text: hola\n", "SCHEMA-TYPE"),
    (b"\x89PNG\r\n\x1a\n\0\0\0", "FILE-BINARY"),
    ("category: 9\ntext: ñ\n".encode("latin-1"), "FILE-ENCODING"),
    (b"category: 9\ntext: x\n" + b"#" * (300 * 1024), "FILE-TOO-LARGE"),
    (b"!!python/object/apply:os.system ['echo pwned']\n", "YAML-TAG"),
    (b"category: !!python/name:os.system 9\n", "YAML-TAG"),
    (b"a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n", "YAML-ALIAS"),
    (b"category: 9\n" + b"x: " + b"[" * 5000 + b"]" * 5000 + b"\n", "YAML-DEPTH"),
    (b"a:\n" + b"".join(b"  " * i + b"b:\n" for i in range(1, 40)) + b"  " * 40 + b"c\n",
     "YAML-DEPTH"),
    (b"category: 9\ncategory: 10\n", "YAML-DUPLICATE-KEY"),
    (b"category: 9\ntext: [unclosed\n", "YAML-SYNTAX"),
    (b"category: 9\ntext: {a: 1}\n", "SCHEMA-TYPE"),
    (b"---\ncategory: 9\n---\ncategory: 10\n", "YAML-SYNTAX"),
    (b"category: !!int\ntext: x\n", "CATEGORY-UNKNOWN"),
    (b"category: 9\ntext: !!bool maybe\nconsent: !!bool\n", "SCHEMA-TYPE"),
])
def test_hostile_and_broken_files(config: Config, write_post: WritePost, body: bytes,
                                  code: str) -> None:
    write_post("bad.yaml", body)
    write_post("good.yaml", "category: 9\ntext: Sigue validando los demás.\n")
    result = check(config)
    assert code in codes(result)
    assert all(d.file == "posts/bad.yaml" for d in result.errors)
    assert [c.post.id for c in result.posts] == ["good"]


def test_python_tag_is_never_constructed(config: Config, write_post: WritePost,
                                         tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    write_post("bad.yaml", f"!!python/object/apply:os.system ['touch {marker}']\n")
    check(config)
    assert not marker.exists()


def test_text_fields_keep_what_was_written(config: Config, write_post: WritePost) -> None:
    write_post("a.yaml", "id: 2027\ncategory: 9\ntext: yes\n")
    result = check(config)
    post = result.posts[0].post
    assert (post.id, post.text) == ("2027", "yes")


def test_duplicate_ids(config: Config, write_post: WritePost) -> None:
    write_post("a.yaml", "id: mismo\ncategory: 9\ntext: uno\n")
    write_post("sub/b.yaml", "id: mismo\ncategory: 9\ntext: dos\n")
    # No ledger to say which file owns the id: each is refused, naming the other.
    first, second = sorted(check(config).diagnostics, key=lambda d: d.file)
    assert (first.code, first.file) == ("ID-DUPLICATE", "posts/a.yaml")
    assert "posts/sub/b.yaml:1" in first.message
    assert (second.code, second.file) == ("ID-DUPLICATE", "posts/sub/b.yaml")
    assert "posts/a.yaml:1" in second.message


def test_identical_x_text_in_two_posts(config: Config, write_post: WritePost) -> None:
    write_post("a.yaml", "category: 9\ntext: Texto repetido.\n")
    write_post("b.yaml", "category: 9\ntext: Texto repetido.\n")
    write_post("c.yaml", "category: 9\ntext: Texto repetido.\nplatforms: [facebook]\n")
    result = check(config)
    assert [(d.code, d.file) for d in result.diagnostics] == [("X-DUPLICATE", "posts/b.yaml")]


class TestTwitterLimits:
    @pytest.mark.parametrize("n, ok", [(245, True), (246, False)])
    def test_weighted_length_includes_hashtags_and_link(self, config: Config,
                                                        write_post: WritePost, n: int,
                                                        ok: bool) -> None:
        # n + "\n\n" + link (23) + "\n\n" + "#BMNCuba" (8) = n + 35
        write_post("a.yaml", f"category: 9\ntext: {'a' * n}\nlink: https://example.org/x\n")
        result = check(config)
        (x,) = [r for r in result.posts[0].rendered if r.platform == "twitter"]
        assert x.parts[0].length == n + 35
        assert ("X-LENGTH" not in codes(result)) is ok

    def test_over_length_points_at_the_text(self, config: Config, write_post: WritePost) -> None:
        write_post("a.yaml", "category: 9\ntext: " + "ñ" * 300 + "\n")
        result = check(config)
        (d,) = [d for d in result.diagnostics if d.code == "X-LENGTH"]
        assert (d.line, d.column) == (2, 7)
        assert "310/280" in d.message  # 300 + "\n\n#BMNCuba" (2 + 8)

    def test_cjk_counts_double(self, config: Config, write_post: WritePost) -> None:
        write_post("a.yaml", "category: 9\ntext: " + "图" * 136 + "\n")
        assert "X-LENGTH" in codes(check(config))
        write_post("a.yaml", "category: 9\ntext: " + "图" * 135 + "\n")
        assert "X-LENGTH" not in codes(check(config))

    def test_thread_item_over_length(self, config: Config, write_post: WritePost) -> None:
        write_post("a.yaml", f"""
            category: 9
            text: Facebook text
            twitter:
              thread:
                - primero
                - {"x" * 281}
        """)
        (d,) = [d for d in check(config).diagnostics if d.code == "X-LENGTH"]
        assert d.line == 6 and "tweet 2 of 2" in d.message

    def test_thread_and_text_together(self, config: Config, write_post: WritePost) -> None:
        write_post("a.yaml", "category: 9\ntext: a\ntwitter: {text: b, thread: [c, d]}\n")
        assert "POST-THREAD-AND-TEXT" in codes(check(config))

    def test_five_images(self, config: Config, write_post: WritePost) -> None:
        media = "".join(f"  - {{path: {IMG}, alt: foto {i}}}\n" for i in range(5))
        write_post("a.yaml", f"category: 9\ntext: hola\nmedia:\n{media}")
        result = check(config)
        assert codes(result) == ["X-MEDIA-COUNT"]

    def test_alt_text_too_long(self, config: Config, write_post: WritePost) -> None:
        write_post("a.yaml", f"category: 9\ntext: hola\nmedia:\n  - path: {IMG}\n"
                             f"    alt: {'a' * 1001}\n")
        (d,) = check(config).diagnostics
        assert (d.code, d.line) == ("X-ALT-LENGTH", 5)

    def test_oversized_image(self, config: Config, write_post: WritePost) -> None:
        big = config.media_root / "grande.jpg"
        big.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * (6 * 1024 * 1024) + b"\xff\xd9")
        write_post("a.yaml", "category: 9\ntext: hola\nmedia: [{path: grande.jpg, alt: x}]\n")
        assert set(codes(check(config))) == {"X-MEDIA-SIZE", "FB-MEDIA-SIZE"}


class TestFacebookLimits:
    def test_message_length(self, config: Config, write_post: WritePost) -> None:
        write_post("a.yaml", "category: 9\nplatforms: [facebook]\ntext: " + "a" * 63_200 + "\n")
        (d,) = check(config).diagnostics
        assert d.code == "FB-LENGTH" and "63210" in d.message

    def test_eleven_photos(self, config: Config, write_post: WritePost) -> None:
        media = "".join(f"  - {{path: {IMG}, alt: foto {i}}}\n" for i in range(11))
        write_post("a.yaml", f"category: 9\nplatforms: [facebook]\ntext: hola\nmedia:\n{media}")
        assert codes(check(config)) == ["FB-MEDIA-COUNT"]

    def test_webp_refused_on_facebook_only(self, config: Config, write_post: WritePost) -> None:
        (config.media_root / "x.webp").write_bytes(b"RIFF\0\0\0\0WEBPVP8 " + b"\0" * 64)
        write_post("a.yaml", "category: 9\ntext: hola\nmedia: [{path: x.webp, alt: x}]\n")
        assert codes(check(config)) == ["FB-MEDIA-TYPE"]


class TestMedia:
    def test_missing_file(self, config: Config, write_post: WritePost) -> None:
        write_post("a.yaml", "category: 9\ntext: hola\nmedia:\n  - path: nada.jpg\n    alt: x\n")
        (d,) = check(config).diagnostics
        assert (d.code, d.line, d.column) == ("MEDIA-MISSING", 4, 11)

    def test_alt_text_required(self, config: Config, write_post: WritePost) -> None:
        write_post("a.yaml", f"category: 9\ntext: hola\nmedia: [{IMG}]\n")
        assert codes(check(config)) == ["MEDIA-ALT-MISSING"]

    @pytest.mark.parametrize("path", ["../../config.yaml", "/etc/passwd", "sub/../../x.jpg"])
    def test_paths_outside_the_media_root(self, config: Config, write_post: WritePost,
                                          path: str) -> None:
        write_post("a.yaml", f"category: 9\ntext: hola\nmedia: [{{path: '{path}', alt: x}}]\n")
        assert codes(check(config)) == ["MEDIA-OUTSIDE-ROOT"]

    def test_symlink_escaping_the_root(self, config: Config, write_post: WritePost,
                                       tmp_path: Path) -> None:
        outside = tmp_path / "secreto.jpg"
        outside.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 32)
        os.symlink(outside, config.media_root / "enlace.jpg")
        write_post("a.yaml", "category: 9\ntext: hola\nmedia: [{path: enlace.jpg, alt: x}]\n")
        assert codes(check(config)) == ["MEDIA-OUTSIDE-ROOT"]

    def test_a_link_inside_the_root_is_not_followed(self, config: Config,
                                                    write_post: WritePost) -> None:
        (config.media_root / "real.png").write_bytes(sample_png())
        os.symlink("real.png", config.media_root / "enlace.png")
        write_post("a.yaml", "category: 9\ntext: hola\nmedia: [{path: enlace.png, alt: x}]\n")
        (d,) = check(config).diagnostics
        assert d.code == "MEDIA-OUTSIDE-ROOT" and "link" in d.message

    def test_content_not_matching_extension(self, config: Config, write_post: WritePost) -> None:
        (config.media_root / "falso.jpg").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
        (config.media_root / "texto.png").write_text("no soy una imagen")
        write_post("a.yaml", "category: 9\ntext: hola\nmedia:\n  - {path: falso.jpg, alt: x}\n"
                             "  - {path: texto.png, alt: y}\n")
        assert codes(check(config)) == ["MEDIA-TYPE-MISMATCH", "MEDIA-TYPE-MISMATCH"]


class TestSchedule:
    def test_past_time(self, config: Config, write_post: WritePost) -> None:
        write_post("a.yaml", "category: 9\ntext: hola\nschedule: {at: 2026-11-20 09:00}\n")
        assert codes(check(config)) == ["SCHED-PAST"]

    def test_explicit_offset_is_honoured(self, config: Config, write_post: WritePost) -> None:
        write_post("a.yaml", "category: 9\ntext: hola\nschedule: {at: '2027-01-10T09:00+00:00'}\n")
        post = check(config).posts[0].post
        assert post.schedule.at is not None
        assert post.schedule.at.utcoffset() is not None
        assert post.schedule.at.astimezone(config.timezone).hour == 4

    def test_nonexistent_local_time(self, config: Config, write_post: WritePost) -> None:
        write_post("a.yaml", "category: 9\ntext: hola\nschedule:\n  at: 2027-03-14 00:30\n")
        (d,) = check(config).diagnostics
        assert (d.code, d.line, d.column) == ("SCHED-DST-GAP", 4, 7)
        assert "2027-03-14T00:30-05:00" in d.hint

    def test_ambiguous_local_time(self, config: Config, write_post: WritePost) -> None:
        write_post("a.yaml", "category: 9\ntext: hola\nschedule:\n  at: 2027-11-07 00:30\n")
        (d,) = check(config).diagnostics
        assert d.code == "SCHED-DST-AMBIGUOUS"
        assert "-04:00" in d.hint and "-05:00" in d.hint

    def test_offset_resolves_the_ambiguity(self, config: Config, write_post: WritePost) -> None:
        write_post("a.yaml", "category: 9\ntext: hola\nschedule:\n"
                             "  at: '2027-11-07T00:30-05:00'\n")
        assert check(config).ok

    @pytest.mark.parametrize("expr, fragment", [
        ("0 9 * *", "5 fields"), ("0 25 * * *", "out of range"),
        ("0 9 1 * mon", "not both"), ("0 9 * * lunes", "not valid")])
    def test_bad_cron(self, config: Config, write_post: WritePost, expr: str,
                      fragment: str) -> None:
        write_post("a.yaml", f"category: 9\ntext: hola\nschedule: {{cron: '{expr}', "
                             "until: 2027-03-01}\nplatforms: [facebook]\n")
        (d,) = check(config).diagnostics
        assert d.code == "SCHED-CRON" and fragment in d.message

    def test_count_needs_start(self, config: Config, write_post: WritePost) -> None:
        write_post("a.yaml", "category: 9\ntext: hola\nplatforms: [facebook]\n"
                             "schedule: {cron: '0 9 * * mon', count: 4}\n")
        assert codes(check(config)) == ["SCHED-COUNT-START"]

    def test_two_kinds(self, config: Config, write_post: WritePost) -> None:
        write_post("a.yaml", "category: 9\ntext: hola\n"
                             "schedule: {at: 2027-01-10 09:00, slot: next}\n")
        assert codes(check(config)) == ["SCHED-KIND"]

    def test_finished_series(self, config: Config, write_post: WritePost) -> None:
        write_post("a.yaml", "category: 9\ntext: hola\nplatforms: [facebook]\n"
                             "schedule: {cron: '0 9 * * mon', until: 2026-11-01}\n")
        assert codes(check(config)) == ["SCHED-PAST"]

    def test_recurring_post_on_x_is_warned(self, config: Config, write_post: WritePost) -> None:
        write_post("a.yaml", "category: 9\ntext: hola\n"
                             "schedule: {cron: '0 9 * * mon', until: 2027-03-01}\n")
        result = check(config)
        assert result.ok and codes(result) == ["X-REPEAT"]


class TestCategoryRules:
    @pytest.mark.parametrize("category, code", [
        ("eventos-biblioteca", "CATEGORY-NEEDS-EVENT"),
        ("fotos-eventos", "CATEGORY-NEEDS-IMAGE"),
        ("publicaciones", "CATEGORY-NEEDS-LINK"),
        ("ilustraciones", "CATEGORY-NEEDS-IMAGE"),
        ("hashtags", "CATEGORY-NEEDS-HASHTAG"),
        ("transmisiones-en-vivo", "CATEGORY-NEEDS-STREAM"),
        ("politica-publica", "CATEGORY-NEEDS-APPROVAL"),
    ])
    def test_required(self, config: Config, write_post: WritePost, category: str,
                      code: str) -> None:
        write_post("a.yaml", f"category: {category}\ntext: Un texto sin más.\n")
        result = check(config)
        assert code in codes(result) and not result.ok

    @pytest.mark.parametrize("category, code", [
        ("servicios-productos", "CATEGORY-SUGGESTS-LINK"),
        ("invitar-comentarios", "CATEGORY-SUGGESTS-QUESTION"),
        ("colecciones", "CATEGORY-SUGGESTS-IMAGE"),
    ])
    def test_suggested(self, config: Config, write_post: WritePost, category: str,
                       code: str) -> None:
        write_post("a.yaml", f"category: {category}\ntext: Un texto sin más.\n")
        result = check(config)
        assert codes(result) == [code] and result.ok

    def test_photos_of_people_need_consent(self, config: Config, write_post: WritePost) -> None:
        body = ("category: personal-voluntarios-usuarios\ntext: hola\n"
                f"media: [{{path: {IMG}, alt: x}}]\n")
        write_post("a.yaml", body)
        assert codes(check(config)) == ["CATEGORY-NEEDS-CONSENT"]
        write_post("a.yaml", body + "consent: true\n")
        assert check(config).ok

    def test_hashtag_in_the_text_counts(self, config: Config, write_post: WritePost) -> None:
        write_post("a.yaml", "category: 13\ntext: 'Hoy: #SaludCuba'\n")
        assert check(config).ok

    def test_live_stream_after_it_ended(self, config: Config, write_post: WritePost) -> None:
        write_post("a.yaml", """
            category: transmisiones-en-vivo
            text: En vivo
            event: {starts: 2027-01-21 09:00, ends: 2027-01-21 10:00, url: https://bmn.example/v}
            schedule: {at: 2027-01-21 11:00}
        """)
        assert codes(check(config)) == ["SCHED-AFTER-EVENT"]


class TestReviewFindings:
    def test_empty_override_text_is_an_error_not_an_erasure(self, config: Config,
                                                            write_post: WritePost) -> None:
        write_post("a.yaml", "category: 9\ntext: hola\nfacebook:\n  text:\n")
        (d,) = check(config).diagnostics
        assert (d.code, d.line) == ("SCHEMA-EMPTY", 4)

    def test_hashtag_with_punctuation_is_not_appended_again(self, config: Config,
                                                           write_post: WritePost) -> None:
        write_post("a.yaml", "category: 9\ntext: 'Síganos (#BMNCuba).'\n")
        (fb, x) = check(config).posts[0].rendered
        assert x.parts[0].text == "Síganos (#BMNCuba)." == fb.parts[0].text

    def test_fullwidth_hashtag_is_not_appended_again(self, config: Config,
                                                     write_post: WritePost) -> None:
        write_post("a.yaml", "category: 9\ntext: 'Síganos ＃BMNCuba'\n")
        x = check(config).posts[0].rendered[1]
        assert x.parts[0].text == "Síganos ＃BMNCuba"

    def test_link_already_in_a_later_tweet_is_not_repeated(self, config: Config,
                                                           write_post: WritePost) -> None:
        write_post("a.yaml", "category: 9\ntext: x\nlink: https://bmn.example/a\n"
                             "twitter:\n  thread: [uno, 'dos https://bmn.example/a']\n")
        x = check(config).posts[0].rendered[1]
        assert [p.text for p in x.parts] == ["uno\n\n#BMNCuba", "dos https://bmn.example/a"]

    def test_hashtag_in_thread_satisfies_category_13(self, config: Config,
                                                     write_post: WritePost) -> None:
        write_post("a.yaml", "category: 13\ntext: sin etiqueta\n"
                             "twitter:\n  thread: ['con #SaludCuba', dos]\n")
        assert check(config).ok

    def test_duplicate_names_the_line_of_the_other_tweet(self, config: Config,
                                                         write_post: WritePost) -> None:
        write_post("a.yaml", "category: 9\ntext: x\ntwitter:\n  thread:\n    - uno\n"
                             "    - repetido\n")
        write_post("b.yaml", "category: 9\ntext: y\nplatforms: [twitter]\n"
                             "twitter: {thread: [otro, repetido]}\n")
        result = check(config)
        assert codes(result) == ["X-DUPLICATE"]
        assert "posts/a.yaml:6" in result.diagnostics[0].message

    def test_date_only_start_on_a_transition_day(self, config: Config,
                                                 write_post: WritePost) -> None:
        write_post("a.yaml", "category: 9\ntext: hola\nplatforms: [facebook]\n"
                             "schedule: {cron: '0 9 * * *', start: 2027-03-14, count: 2}\n")
        assert check(config).ok


def test_part_of_a_slug_suggests_every_match(config: Config, write_post: WritePost) -> None:
    write_post("a.yaml", "category: eventos\ntext: hola\n")
    (d,) = check(config).diagnostics
    assert "'eventos-biblioteca'" in d.hint and "'eventos-comunidad'" in d.hint
    assert "'fotos-eventos'" in d.hint


@pytest.mark.parametrize("at", ["2027-01-14", "20270114"])
def test_a_date_without_a_time_is_refused_not_published_at_midnight(
        config: Config, write_post: WritePost, at: str) -> None:
    write_post("a.yaml", f"category: 9\ntext: Hola.\nschedule: {{at: '{at}'}}\n")
    (d,) = check(config).diagnostics
    assert (d.code, d.line) == ("SCHED-TIME", 3)
    assert "date without a time" in d.message and "2027-01-14 09:30" in d.hint


@pytest.mark.parametrize(("cron", "valid"), [("0 9 31 2,4 *", False), ("0 9 30 feb *", False),
                                             ("0 9 29 feb *", True), ("0 9 31 1-2 *", True)])
def test_a_cron_that_can_never_fire_is_an_error(config: Config, write_post: WritePost,
                                                cron: str, valid: bool) -> None:
    write_post("a.yaml", f"category: 9\ntext: Hola.\nplatforms: [facebook]\n"
                         f"schedule: {{cron: '{cron}'}}\n")
    codes = [d.code for d in check(config).errors]
    assert codes == ([] if valid else ["SCHED-CRON"])



@pytest.mark.parametrize("suffix", [".jpg", ".png", ".gif"])
def test_an_image_cut_short_is_refused(config: Config, write_post: WritePost,
                                       suffix: str) -> None:
    samples = [p for p in sorted(config.media_root.iterdir()) if p.suffix == suffix]
    whole = samples[0].read_bytes() if samples else b"GIF89a" + b"\x01" * 200 + b";"
    (config.media_root / f"entera{suffix}").write_bytes(whole)
    (config.media_root / f"cortada{suffix}").write_bytes(whole[:len(whole) // 2])
    write_post("a.yaml", f"category: 9\ntext: hola\nplatforms: [facebook]\n"
                         f"media: [{{path: cortada{suffix}, alt: x}}, "
                         f"{{path: entera{suffix}, alt: y}}]\n")
    (d,) = check(config).diagnostics
    assert (d.code, d.line) == ("MEDIA-CORRUPT", 4) and "cut short" in d.message


def test_names_that_look_like_posts_are_read_or_pointed_out(config: Config,
                                                            write_post: WritePost) -> None:
    write_post("Taller.YAML", "category: 9\ntext: Mayúsculas.\n")
    write_post("taller2.yaml.txt", "category: 9\ntext: El Bloc de notas.\n")
    write_post("taller3.yml ", "category: 9\ntext: Un espacio al final.\n")
    write_post("notas.txt", "no es una publicación\n")
    result = check(config)
    assert [c.post.id for c in result.posts] == ["Taller"]
    named = sorted((Path(d.file).name, d.code, d.hint) for d in result.diagnostics)
    assert named == [("taller2.yaml.txt", "FILE-NAME", "Rename it to 'taller2.yaml'."),
                     ("taller3.yml ", "FILE-NAME", "Rename it to 'taller3.yml'.")]
    assert result.summary() == "3 files checked: 1 valid, 2 invalid; 2 errors, 0 warnings."


def test_a_lone_misnamed_post_never_counts_negative(config: Config,
                                                    write_post: WritePost) -> None:
    write_post("taller.yaml.txt", "category: 9\ntext: El Bloc de notas.\n")
    assert check(config).summary() == "1 file checked: 0 valid, 1 invalid; 1 error, 0 warnings."


def test_an_id_with_accents_gets_its_plain_spelling_as_a_hint(config: Config,
                                                              write_post: WritePost) -> None:
    write_post("Día del libro.yaml", "category: 9\ntext: Hola.\n")
    (d,) = check(config).diagnostics
    assert d.code == "POST-ID" and "'dia-del-libro'" in d.hint


def test_spanish_and_habitual_words_suggest_the_key_meant(config: Config,
                                                          write_post: WritePost) -> None:
    write_post("a.yaml", "category: 9\ntext: Hola\nenlace: https://www.bmns.sld.cu/\n"
                         "platforms: [tuiter]\nat: 2027-01-14 09:00\n")
    hints = {d.line: d.hint for d in check(config).diagnostics}
    assert hints == {3: "did you mean 'link'?", 4: "did you mean 'twitter'?",
                     5: "did you mean 'schedule'?"}


def test_x_is_twitter_in_a_post_file(config: Config, write_post: WritePost) -> None:
    write_post("a.yaml", "category: 9\ntext: Hola a todos.\nplatforms: [facebook, X]\n"
                         "x:\n  text: Hola en X.\n")
    result = check(config)
    assert result.diagnostics == []
    (checked,) = result.posts
    assert checked.post.platforms == ("facebook", "twitter")
    assert checked.post.content("twitter").text == "Hola en X."


def test_a_post_with_both_x_and_twitter_sections_is_refused(config: Config,
                                                            write_post: WritePost) -> None:
    write_post("a.yaml", "category: 9\ntext: Hola.\ntwitter:\n  text: Uno.\n"
                         "x:\n  text: Otro.\n")
    (d,) = check(config).diagnostics
    assert (d.code, d.line) == ("POST-DUPLICATE-PLATFORM", 5)


@pytest.mark.parametrize(("body", "where", "hint"), [
    ('category: 9\ntext: "Hola sin cerrar\nplatforms: [facebook]\n\n\n', (2, 7), "quoting"),
    ("category: 9\ntext: hola\nplatforms:\n\t- facebook\n", (4, 1), "tab: YAML needs spaces"),
    ("category: 9\ntext: hola\n---\ncategory: 8\n", (3, 1), "holds one post"),
])
def test_yaml_mistakes_point_at_their_line_with_a_fitting_hint(
        config: Config, write_post: WritePost, body: str, where: tuple[int, int],
        hint: str) -> None:
    write_post("a.yaml", body)
    (d,) = check(config).diagnostics
    assert (d.code, d.line, d.column) == ("YAML-SYNTAX", *where) and hint in d.hint


def test_a_file_with_only_a_document_marker_is_empty(config: Config,
                                                     write_post: WritePost) -> None:
    write_post("a.yaml", "---\n# nada\n")
    (d,) = check(config).diagnostics
    assert d.code == "FILE-EMPTY"


def test_a_schedule_key_that_lost_its_indentation_is_pointed_at(config: Config,
                                                                write_post: WritePost) -> None:
    write_post("a.yaml", "category: 9\ntext: Hola\nschedule:\nat: 2027-02-06 09:00\n")
    hints = {d.code: d.hint for d in check(config).diagnostics}
    assert hints["SCHEMA-UNKNOWN-KEY"] == ("'at' belongs inside 'schedule:': indent it by two "
                                           "spaces under that line.")


def test_a_hashtag_after_a_space_that_yaml_reads_as_a_comment_is_an_error(
        config: Config, write_post: WritePost) -> None:
    write_post("a.yaml", "category: 9\ntext: Visite la BMN #SaludCuba hoy\n"
                         "platforms: [facebook]  # solo Facebook\n"
                         "link: https://www.bmns.sld.cu/  # el sitio\n")
    write_post("b.yaml", 'category: 9\ntext: "Visite la BMN #SaludCuba hoy"\n'
                         "platforms: [facebook]\n")
    (d,) = check(config).errors
    assert (d.file.endswith("a.yaml"), d.code, d.line) == (True, "YAML-COMMENT-CUT", 2)
    assert "'#SaludCuba hoy'" in d.message
    assert d.column == len("text: Visite la BMN ") + 1  # at the '#'


@pytest.mark.parametrize(("body", "line", "column"), [
    ("hashtags: #CienciaCubana\n", 3, 11),
    ("hashtags:\n  - SaludCuba\n  - #CienciaCubana\n", 5, 5),
    ("hashtags: [#CienciaCubana, #SaludCuba]\n", 3, 12),
    ("hashtags: [SaludCuba, #CienciaCubana]\nlink: https://www.bmns.sld.cu/\n", 3, 23),
    ("twitter:\n  hashtags: #CienciaCubana\n", 4, 13),
])
def test_hashtags_written_with_a_hash_are_never_lost(config: Config, write_post: WritePost,
                                                     body: str, line: int,
                                                     column: int) -> None:
    write_post("a.yaml", "category: 9\ntext: Hola a todos.\n" + body)
    (d,) = check(config).errors
    assert (d.code, d.line, d.column) == ("YAML-COMMENT-CUT", line, column)
    assert "#CienciaCubana" in d.message and "without '#'" in d.hint


def test_hashtags_with_a_hash_in_quotes_and_real_comments_are_fine(
        config: Config, write_post: WritePost) -> None:
    write_post("a.yaml", "# una nota\ncategory: 9\ntext: Hola a todos.\n"
                         "hashtags: ['#CienciaCubana', SaludCuba]  # dos etiquetas\n"
                         "link: https://www.bmns.sld.cu/#inicio\n")
    result = check(config)
    assert result.errors == []
    assert result.posts[0].post.hashtags == ("CienciaCubana", "SaludCuba")


STREAM = "https://www.facebook.com/BibliotecaMedicaNacional/live"


def _stream_post(extra: str = "") -> str:
    return ("category: transmisiones-en-vivo\ntext: En media hora comienza la transmisión.\n"
            f"event:\n  starts: 2027-01-21 09:00\n  url: {STREAM}\n{extra}")


def _texts(config: Config) -> dict[str, tuple[list[str], str | None]]:
    (checked,) = check(config).posts
    return {r.platform: ([p.text for p in r.parts], r.link) for r in checked.rendered}


def test_a_live_stream_publishes_where_to_watch_it(config: Config,
                                                   write_post: WritePost) -> None:
    write_post("a.yaml", _stream_post())
    texts = _texts(config)
    assert texts["facebook"][1] == STREAM  # the link field: Facebook draws a preview
    assert STREAM in texts["twitter"][0][0]


def test_a_live_stream_with_its_own_link_adds_the_stream_to_the_text(
        config: Config, write_post: WritePost) -> None:
    write_post("a.yaml", _stream_post("link: https://www.bmns.sld.cu/jornada\n"
                                      "twitter:\n  thread: [Empieza pronto., Segunda parte.]\n"))
    texts = _texts(config)
    (facebook,), link = texts["facebook"]
    assert link == "https://www.bmns.sld.cu/jornada" and facebook.count(STREAM) == 1
    first, second = texts["twitter"][0]
    assert STREAM in first and STREAM not in second


def test_a_stream_link_already_in_the_text_is_not_repeated(config: Config,
                                                           write_post: WritePost) -> None:
    write_post("a.yaml", _stream_post().replace(
        "text: En media hora comienza la transmisión.",
        f'text: "En media hora comienza la transmisión: {STREAM}"'))
    texts = _texts(config)
    assert texts["facebook"][0][0].count(STREAM) == 1 and texts["facebook"][1] is None
    assert texts["twitter"][0][0].count(STREAM) == 1


def test_a_problem_in_an_x_section_points_into_it(config: Config,
                                                  write_post: WritePost) -> None:
    write_post("a.yaml", "category: 9\ntext: Hola.\nx:\n  text: " + "palabra " * 40 + "\n")
    (d,) = check(config).errors
    assert (d.code, d.line, d.column) == ("X-LENGTH", 4, 9)


def _tweet(at: str) -> str:
    return f"category: 9\ntext: Visite la Biblioteca Médica Nacional.\nschedule: {{at: {at}}}\n"


def _x_duplicates(config: Config, **published: datetime) -> list[tuple[str, str]]:
    from bmnsocial.render.validation import validate_paths

    result = validate_paths([config.posts_dir], config, NOW, published=published)
    return sorted((Path(d.file).name, d.severity.value) for d in result.diagnostics
                  if d.code == "X-DUPLICATE")


def test_the_same_tweet_within_the_window_is_an_error_on_the_later_post(
        config: Config, write_post: WritePost) -> None:
    write_post("b-primero.yaml", _tweet("2027-01-10 09:00"))
    write_post("a-despues.yaml", _tweet("2027-01-15 09:00"))
    assert _x_duplicates(config) == [("a-despues.yaml", "error")]


def test_an_evergreen_post_brought_back_after_the_window_is_a_warning(
        config: Config, write_post: WritePost) -> None:
    write_post("original.yaml", _tweet("2027-01-10 09:00"))
    write_post("de-nuevo.yaml", _tweet("2027-03-15 09:00"))
    assert _x_duplicates(config) == [("de-nuevo.yaml", "warning")]


def test_a_published_original_is_never_the_one_reported(config: Config,
                                                        write_post: WritePost) -> None:
    write_post("original.yaml", _tweet("2026-07-01 09:00"))
    write_post("copia.yaml", _tweet("2027-01-10 09:00"))
    went = datetime(2026, 7, 1, 9, 0, tzinfo=NOW.tzinfo)
    assert _x_duplicates(config, original=went) == [("copia.yaml", "warning")]
    recent = NOW - timedelta(days=3)  # it went out again three days ago
    write_post("copia.yaml", _tweet("2026-12-01 09:00"))  # eight days after that
    assert _x_duplicates(config, original=recent) == [("copia.yaml", "error")]


def test_files_checked_in_batches_say_what_one_at_a_time_says(
        config: Config, write_post: WritePost, monkeypatch: pytest.MonkeyPatch) -> None:
    """validate_paths reads, parses and checks files a batch at a time (for speed): every
    diagnostic, its order, the posts, the drafts and the progress are as file by file."""
    write_post("a.yaml", "category: interes-local\ntext: Hola.\n"
                         "schedule:\n  at: 2027-01-05 10:00\n")
    write_post("b.yaml", "category: interes-local\ntext: [sin cerrar\n")
    write_post("c.yaml", "category: coleciones\ntext: Hola.\n")  # a field error: a draft
    write_post("d.yaml", "id: a\ncategory: interes-local\ntext: Otro texto.\n"
                         "schedule:\n  at: 2027-01-05 10:00\n")
    write_post("e\x1bf.yaml", "category: interes-local\ntext: Hola.\n")
    write_post("f.yaml", b"")
    write_post("g.yaml", "category: interes-local\ntext: Hola @Bm-n y “comillas”.\n"
                         "hashtags: #Salud\n")
    write_post("h.yaml", "category: interes-local\ntext: Hola.\n")

    def run(batch: int) -> tuple[list[str], list[str], list[str], list[str], list[int]]:
        monkeypatch.setattr("bmnsocial.render.validation._BATCH", batch)
        steps: list[int] = []
        result = validate_paths([config.posts_dir], config, NOW,
                                lambda done, total: steps.append(done), drafts=True)
        return ([d.format() for d in result.diagnostics], result.files,
                [c.post.id for c in result.posts], [c.post.id for c in result.drafts], steps)

    one_at_a_time = run(1)
    assert {"YAML-SYNTAX", "CATEGORY-UNKNOWN", "ID-DUPLICATE", "FILE-NAME-CONTROL",
            "FILE-EMPTY", "X-MENTION"} <= {line.split("[")[1].split("]")[0]
                                            for line in one_at_a_time[0]}
    assert one_at_a_time[3] == ["c", "g"] and one_at_a_time[4] == list(range(1, 9))
    assert run(3) == one_at_a_time
    assert run(256) == one_at_a_time


def test_the_hashtag_line_asked_again_is_found_for_its_own_text_and_lists() -> None:
    """hashtag_line keeps its last answer for the next platform of the same post; a call
    with another text or other lists is answered for them."""
    from bmnsocial.platforms.rendered import hashtag_line

    assert hashtag_line("Hola #BMN", ("BMN", "Salud"), ("Cuba",)) == "#Salud #Cuba"
    assert hashtag_line("Hola #BMN", ("BMN", "Salud"), ("Cuba",)) == "#Salud #Cuba"
    assert hashtag_line("Hola", ("BMN", "Salud"), ("Cuba",)) == "#BMN #Salud #Cuba"
    assert hashtag_line("Hola", ("BMN", "Salud"), ()) == "#BMN #Salud"
    assert hashtag_line("Hola", ("BMN",), ("Salud",)) == "#BMN #Salud"
    assert hashtag_line("Hola #salud", ("BMN",), ("Salud",)) == "#BMN"
    assert hashtag_line("Hola #salud", ("BMN",)) == "#BMN"
