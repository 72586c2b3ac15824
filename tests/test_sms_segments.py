"""Segment counting and look-alike clean-up: GSM-7 and UCS-2 at the boundaries phones split messages at."""

import pytest

from notifications import rendering, segments
from notifications.segments import count, normalise


@pytest.mark.parametrize(("text", "encoding", "characters", "parts"), [
    ("", "GSM-7", 0, 0),
    ("a" * 160, "GSM-7", 160, 1),
    ("a" * 161, "GSM-7", 161, 2),
    ("a" * 306, "GSM-7", 306, 2),  # 153 * 2
    ("a" * 307, "GSM-7", 307, 3),
    ("€" * 80, "GSM-7", 160, 1),  # extension characters count two septets
    ("€" * 81, "GSM-7", 162, 2),
    ("a" * 152 + "€" + "a" * 10, "GSM-7", 164, 2),
    ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),  # an escape pair is never split: 152+[€ next]...
    ("中" * 70, "UCS-2", 70, 1),
    ("中" * 71, "UCS-2", 71, 2),
    ("中" * 134, "UCS-2", 134, 2),  # 67 * 2
    ("中" * 135, "UCS-2", 135, 3),
    ("a" * 159 + "中", "UCS-2", 160, 3),  # one Chinese character makes the whole text UCS-2
    ("Hi ，", "UCS-2", 4, 1),  # full-width comma
    ("😀" * 35, "UCS-2", 70, 1),  # surrogate pairs: two code units each
    ("a" + "😀" * 34, "UCS-2", 69, 1),
    ("a" * 66 + "😀" * 3, "UCS-2", 72, 2),  # the pair that does not fit the first segment starts the second
])
def test_count(text, encoding, characters, parts):
    assert count(text) == segments.Count(encoding, characters, parts)


def test_look_alikes_no_longer_force_ucs2():
    typed = "Dear\u00a0Wang\u200b, it\u2019s \u201cDouble Ninth\u201d \u2014 best wishes\u2026"
    assert count(typed).encoding == "UCS-2"
    clean = normalise(typed)
    assert clean == 'Dear Wang, it\'s "Double Ninth" - best wishes...'
    assert count(clean) == segments.Count("GSM-7", len(clean), 1)


def test_chinese_typography_is_kept_but_invisible_characters_go():
    text = "王老：“重阳节”快乐\u200b！\u00a0—— 区委"
    assert normalise(text) == "王老：“重阳节”快乐！ —— 区委"


def test_rendering_and_unknown_variables():
    body = "{member_name}同志：{occasion}快乐！{unit_name} {member}"
    assert rendering.unknown_variables(body) == ["member"]
    assert rendering.render(body, {"member_name": "王老", "occasion": "重阳节"}) == "王老同志：重阳节快乐！ {member}"
    assert set(rendering.sample_context()) == set(rendering.VARIABLES)
