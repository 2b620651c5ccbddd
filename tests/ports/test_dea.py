"""DEA against hand-worked textbook examples and against the plain linprog method.

Examples from Cooper, Seiford & Tone, *Data Envelopment Analysis* (2nd ed., 2007): the
one-input/one-output case of chapter 1 (DMUs A–H) and the two-input/one-output case of
chapter 3 (DMUs A–F); every expected value below is worked out by hand in the comments.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from sela_ports.benchmark.dea import DeaInputError, dea, reference

# Chapter 1: (input, output) of A..H.
ONE_X = [[2], [3], [3], [4], [5], [5], [6], [8]]
ONE_Y = [[1], [3], [2], [3], [4], [2], [3], [5]]
# Chapter 3: two inputs, one unit of output each, A..F.
TWO_X = [[4, 3], [7, 3], [8, 1], [4, 2], [2, 4], [10, 1]]
TWO_Y = [[1]] * 6


def approx(values: Sequence[float | None]) -> object:
    return pytest.approx(values, abs=1e-6)


def test_ccr_single_input_output_is_the_ratio_to_the_best_ratio() -> None:
    # CCR: (y/x) / max(y/x); B has the best ratio 1.
    result = dea(ONE_X, ONE_Y, rts="crs", orientation="input", super_efficiency=True)
    assert [d.efficiency for d in result.dmus] == approx(
        [0.5, 1, 2 / 3, 0.75, 0.8, 0.4, 0.5, 0.625]
    )
    # Without B the best ratio is E's 0.8, so B's super-efficiency is 1 / 0.8.
    assert result.dmus[1].super_efficiency == pytest.approx(1.25)
    assert [d.efficient for d in result.dmus] == [False, True] + [False] * 6
    # Output orientation gives the reciprocal under constant returns.
    out = dea(ONE_X, ONE_Y, rts="crs", orientation="output")
    assert [d.score for d in out.dmus] == approx([2, 1, 1.5, 4 / 3, 1.25, 2.5, 2, 1.6])


def test_bcc_single_input_output_and_scale_efficiency() -> None:
    # The BCC frontier is A(2,1)–B(3,3)–E(5,4)–H(8,5).
    bcc_in = dea(ONE_X, ONE_Y, rts="vrs", orientation="input", scale_efficiency=True)
    # C(3,2): x on A–B at y=2 is 2.5 -> 2.5/3; D(4,3): B uses 3 -> 3/4; F(5,2): 2.5/5;
    # G(6,3): 3/6.
    assert [d.efficiency for d in bcc_in.dmus] == approx([1, 1, 5 / 6, 0.75, 1, 0.5, 0.5, 1])
    # Scale efficiency = CCR / BCC.
    assert [d.scale_efficiency for d in bcc_in.dmus] == approx([0.5, 1, 0.8, 1, 0.8, 0.8, 1, 0.625])
    # Output orientation: D(4,3) reaches y = 3.5 on B–E; G(6,3) reaches 4 + 1/3 on E–H.
    bcc_out = dea(ONE_X, ONE_Y, rts="vrs", orientation="output", super_efficiency=True)
    assert [d.score for d in bcc_out.dmus] == approx([1, 1, 1.5, 3.5 / 3, 1, 2, 13 / 9, 1])
    # Without A no DMU uses 2 units of input or less: infeasible, so null.
    assert bcc_out.dmus[0].super_efficiency is None
    bcc_super = dea(ONE_X, ONE_Y, rts="vrs", orientation="input", super_efficiency=True)
    # Without H nothing produces 5 units: infeasible under BCC input orientation.
    assert bcc_super.dmus[7].super_efficiency is None
    # C's peers: A and B, halfway, with target input 2.5.
    c = bcc_in.dmus[2]
    assert c.lambdas == pytest.approx({0: 0.5, 1: 0.5})
    assert c.target_input == approx([2.5])


def test_ccr_two_inputs_slacks_targets_and_peers() -> None:
    result = dea(TWO_X, TWO_Y, rts="crs", orientation="input")
    a, b, c, d, e, f = result.dmus
    # A(4,3) projects radially onto E(2,4)–D(4,2) at (24/7, 18/7): θ = 6/7 with 2/7 E + 5/7 D.
    assert a.efficiency == pytest.approx(6 / 7)
    assert a.lambdas == pytest.approx({3: 5 / 7, 4: 2 / 7})
    assert a.target_input == approx([24 / 7, 18 / 7])
    # B(7,3) projects onto D(4,2)–C(8,1) at (84/19, 36/19): θ = 12/19.
    assert b.efficiency == pytest.approx(12 / 19)
    assert b.lambdas == pytest.approx({2: 2 / 19, 3: 17 / 19})
    # F(10,1) has θ = 1 but 2 units of input 1 in excess of C(8,1): weakly efficient.
    assert f.efficiency == pytest.approx(1)
    assert f.slacks_input == approx([2, 0])
    assert f.target_input == approx([8, 1])
    assert f.lambdas == pytest.approx({2: 1})
    assert not f.efficient
    assert [x.efficient for x in (c, d, e)] == [True, True, True]
    assert a.slacks_input == approx([0, 0])


@pytest.mark.parametrize("rts", ["crs", "vrs"])
@pytest.mark.parametrize("orientation", ["input", "output"])
def test_equals_the_plain_linprog_method(rts: str, orientation: str) -> None:
    rng = np.random.default_rng(7)
    x = rng.uniform(5, 50, (60, 3))
    y = rng.uniform(5, 50, (60, 2))
    fast = dea(x, y, rts=rts, orientation=orientation)  # type: ignore[arg-type]
    plain = reference(x, y, rts=rts, orientation=orientation)  # type: ignore[arg-type]
    assert [d.score for d in fast.dmus] == pytest.approx([p[0] for p in plain], abs=1e-7)
    slack_sums = [sum(d.slacks_input) + sum(d.slacks_output) for d in fast.dmus]
    assert slack_sums == pytest.approx([p[1] for p in plain], abs=1e-6)
    # Targets lie on the frontier: scoring them again gives 1 with no slack.
    targets = dea(
        np.vstack([x, [d.target_input for d in fast.dmus]]),
        np.vstack([y, [d.target_output for d in fast.dmus]]),
        rts=rts,  # type: ignore[arg-type]
        orientation=orientation,  # type: ignore[arg-type]
    )
    assert [d.efficiency for d in targets.dmus[60:]] == pytest.approx([1.0] * 60, abs=1e-6)


def test_bad_data_names_the_part() -> None:
    with pytest.raises(DeaInputError) as caught:
        dea([[1], [0]], [[1], [1]])
    assert caught.value.field == "inputs"
    with pytest.raises(DeaInputError):
        dea([[1], [2]], [[1]])
    with pytest.raises(DeaInputError) as unbounded:
        dea([[1], [2]], [[1], [0]], orientation="output")
    assert unbounded.value.field == "1.outputs"
