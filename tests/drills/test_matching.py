"""The drills' own helpers (run with the ordinary suite: no platform needed)."""

from __future__ import annotations

import pytest

from tests.drills.platform import count_by, server_errors, subject_matches


@pytest.mark.parametrize(
    ("pattern", "subject", "expected"),
    [
        ("indices.indicator.updated", "indices.indicator.updated", True),
        ("indices.indicator.updated", "indices.indicator.updated.more", False),
        ("indices.*.updated", "indices.indicator.updated", True),
        ("indices.*", "indices.indicator.updated", False),
        ("indices.>", "indices.indicator.updated", True),
        ("indices.>", "indices", False),
        ("events.>", "indices.indicator.updated", False),
    ],
)
def test_subjects_match_as_nats_matches_them(pattern: str, subject: str, expected: bool) -> None:
    assert subject_matches(pattern, subject) is expected


def test_statuses_are_counted_and_no_answer_is_a_server_error() -> None:
    counts = count_by([201, 201, 503, 0, 422])
    assert counts == {"0": 1, "201": 2, "422": 1, "503": 1}
    assert server_errors(counts) == 2
