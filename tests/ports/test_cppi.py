"""The CPPI-style port-hours index on a hand-worked example, and its factor variant."""

from __future__ import annotations

import pytest

from sela_ports.benchmark.cppi import Call, cell_of, compute


def test_index_points_and_call_share_weights() -> None:
    calls = [
        # Cell (1501-5000 TEU, 501-1000 moves): average (20 + 30 + 15) / 3 = 65/3 h.
        Call("P", 3000, 700, 20.0),
        Call("P", 3000, 800, 30.0),
        Call("Q", 4000, 600, 15.0),
        # Cell (5001-8500 TEU, 1001-1500 moves): average (40 + 60) / 2 = 50 h.
        Call("Q", 6000, 1200, 40.0),
        Call("R", 7000, 1300, 60.0),
    ]
    assert cell_of(calls[0]) == ("1501-5000", "501-1000")
    result = compute(calls)
    by_port = {p.port: p for p in result.ports}
    avg = 65 / 3
    assert by_port["P"].index == pytest.approx((avg - 25) / avg)
    # Q: one call in each size group, so each group weighs one half.
    assert by_port["Q"].index == pytest.approx(0.5 * (avg - 15) / avg + 0.5 * (50 - 40) / 50)
    assert by_port["R"].index == pytest.approx((50 - 60) / 50)
    assert by_port["Q"].by_size_group == pytest.approx(
        {"1501-5000": (avg - 15) / avg, "5001-8500": 0.2}
    )
    assert [p.port for p in result.ports] == ["Q", "P", "R"]
    assert result.cell_averages["1501-5000|501-1000"] == pytest.approx(avg)
    # Both cells have two ports: the factor variant exists and agrees in sign.
    assert len(result.factor_loadings) == 2
    scores = {p.port: p.factor_score for p in result.ports}
    assert scores["Q"] is not None
    assert scores["R"] is not None
    assert scores["Q"] > scores["R"]
