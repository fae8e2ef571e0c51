from __future__ import annotations

from datetime import datetime, time

from bmnsocial.config import Config
from bmnsocial.posts.model import Post
from bmnsocial.render.validation import validate_paths
from bmnsocial.schedule.planning import next_free_slot, occurrences
from tests.helpers import HAVANA, NOW, WritePost


def load(config: Config, write_post: WritePost, schedule: str) -> Post:
    write_post("p.yaml", f"category: 9\ntext: hola\nplatforms: [facebook]\nschedule: {schedule}\n")
    result = validate_paths([config.posts_dir], config, NOW)
    assert result.ok, [d.format() for d in result.diagnostics]
    return result.posts[0].post


def local(o: datetime) -> str:
    return o.astimezone(HAVANA).strftime("%a %Y-%m-%d %H:%M %z")


def test_crontab_weekday_numbers_mean_what_crontab_means(config: Config,
                                                          write_post: WritePost) -> None:
    # APScheduler 3 would read "1" as Tuesday; crontab means Monday.
    post = load(config, write_post, "{cron: '0 9 * * 1', until: 2027-01-01}")
    assert [local(o.due) for o in occurrences(post, config, NOW, limit=2)] == [
        "Mon 2026-11-30 09:00 -0500", "Mon 2026-12-07 09:00 -0500"]
    post = load(config, write_post, "{cron: '0 9 * * 0', until: 2027-01-01}")
    assert local(occurrences(post, config, NOW, limit=1)[0].due) == "Sun 2026-11-29 09:00 -0500"


def test_weekly_post_keeps_its_local_time_across_both_2027_transitions(
        config: Config, write_post: WritePost) -> None:
    post = load(config, write_post, "{cron: '0 9 * * sun', start: 2027-03-01, until: 2027-11-30}")
    occ = occurrences(post, config, NOW)
    assert len(occ) == 39
    assert all(o.due.astimezone(HAVANA).time() == time(9, 0) for o in occ)
    offsets = {o.due.date().isoformat(): o.due.strftime("%z") for o in occ}
    assert offsets["2027-03-07"] == "-0500" and offsets["2027-03-14"] == "-0400"
    assert offsets["2027-10-31"] == "-0400" and offsets["2027-11-07"] == "-0500"
    assert all(not o.note for o in occ)


def test_daily_post_in_the_gap_and_the_fold(config: Config, write_post: WritePost) -> None:
    post = load(config, write_post, "{cron: '30 0 * * *', start: 2027-03-13, count: 3}")
    occ = occurrences(post, config, NOW)
    assert [local(o.due) for o in occ] == [
        "Sat 2027-03-13 00:30 -0500", "Sun 2027-03-14 01:30 -0400", "Mon 2027-03-15 00:30 -0400"]
    assert "does not exist" in occ[1].note and not occ[0].note

    post = load(config, write_post, "{cron: '30 0 * * *', start: 2027-11-06, count: 3}")
    occ = occurrences(post, config, NOW)
    # 00:30 happens twice on 2027-11-07: published once, at the first (daylight) instance.
    assert [local(o.due) for o in occ] == [
        "Sat 2027-11-06 00:30 -0400", "Sun 2027-11-07 00:30 -0400", "Mon 2027-11-08 00:30 -0500"]
    assert "twice" in occ[1].note


def test_count_is_counted_from_start(config: Config, write_post: WritePost) -> None:
    post = load(config, write_post, "{cron: '0 9 * * mon', start: 2026-11-01, count: 6}")
    occ = occurrences(post, config, NOW)
    # Mondays from 2026-11-02: four are past at NOW (2026-11-26), two remain.
    assert [o.due.date().isoformat() for o in occ] == ["2026-11-30", "2026-12-07"]


def test_until_is_inclusive_of_its_day(config: Config, write_post: WritePost) -> None:
    post = load(config, write_post, "{cron: '0 9 * * mon', until: 2026-12-14}")
    assert [o.due.date().isoformat() for o in occurrences(post, config, NOW)] == [
        "2026-11-30", "2026-12-07", "2026-12-14"]


def test_one_off_in_the_future_only(config: Config, write_post: WritePost) -> None:
    post = load(config, write_post, "{at: 2026-12-01 09:00}")
    assert [local(o.due) for o in occurrences(post, config, NOW)] == ["Tue 2026-12-01 09:00 -0500"]
    later = datetime(2026, 12, 2, tzinfo=HAVANA)
    assert occurrences(post, config, later) == []


def test_next_free_slot(config: Config) -> None:
    # NOW is Thursday 2026-11-26 10:00: the 09:00 slot has passed.
    first = next_free_slot(config, NOW)
    assert first is not None and local(first) == "Thu 2026-11-26 12:30 -0500"
    second = next_free_slot(config, NOW, taken={first})
    assert second is not None and local(second) == "Thu 2026-11-26 16:00 -0500"
    saturday = datetime(2026, 11, 28, 11, 0, tzinfo=HAVANA)
    nxt = next_free_slot(config, saturday)
    assert nxt is not None and local(nxt) == "Mon 2026-11-30 09:00 -0500"  # no Sunday slots


def test_gap_shift_onto_a_real_time_is_one_occurrence(config: Config,
                                                      write_post: WritePost) -> None:
    post = load(config, write_post, "{cron: '0 0,1 14 3 *', until: 2027-03-15}")
    assert [local(o.due) for o in occurrences(post, config, NOW)] == [
        "Sun 2027-03-14 01:00 -0400"]
