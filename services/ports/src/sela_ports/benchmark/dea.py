"""Data Envelopment Analysis: CCR and BCC, input and output orientation, two-phase slacks,
projection targets, peers and λ, scale efficiency and super-efficiency.

Envelopment form (Cooper, Seiford & Tone, *Data Envelopment Analysis*, 2nd ed., ch. 3–4):

- input orientation:  min θ  s.t.  Xλ ≤ θ x_o,  Yλ ≥ y_o,  λ ≥ 0  (BCC adds Σλ = 1);
- output orientation: max η  s.t.  Xλ ≤ x_o,    Yλ ≥ η y_o, λ ≥ 0  (efficiency = 1/η);
- phase two fixes θ* (or η*) and maximises the sum of slacks, in the data's own units;
- super-efficiency (Andersen & Petersen) drops the DMU from its own reference set; it is
  ``None`` where that problem is infeasible (possible under BCC).

Solving one LP per DMU over all n columns costs O(n) LPs of n columns each. Here the LPs are
solved by HiGHS (the solver scipy's ``linprog`` uses) through one persistent model per phase,
re-solved from the previous basis for each DMU, over a restricted set of candidate peers that
grows by column generation: after each solve, the reduced cost of every DMU's column is
computed from the row duals in one matrix product, and columns that price out are added until
none does. At that point the restricted optimum is optimal for the full problem, so scores
equal those of the full LP (tested against ``reference``, the plain ``linprog`` loop).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import highspy
import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linprog

Rts = Literal["crs", "vrs"]
Orientation = Literal["input", "output"]
Array = NDArray[np.float64]

PRICE_TOL = 1e-9
LAMBDA_TOL = 1e-9
EFFICIENT_TOL = 1e-7
BATCH = 8  # columns added per pricing round


class DeaInputError(ValueError):
    """The data cannot be analysed (shape, non-positive values); names the offending part."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass
class DmuResult:
    index: int
    efficiency: float
    """θ* for input orientation, 1/η* for output orientation; 1 means on the frontier."""
    score: float
    """θ* (input) or η* (output) as the LP gives it."""
    slacks_input: list[float]
    slacks_output: list[float]
    target_input: list[float]
    target_output: list[float]
    lambdas: dict[int, float]
    efficient: bool
    """Pareto-Koopmans efficient: score 1 and all slacks zero."""
    super_efficiency: float | None = None
    scale_efficiency: float | None = None


@dataclass
class DeaResult:
    rts: Rts
    orientation: Orientation
    dmus: list[DmuResult]
    stats: dict[str, int] = field(default_factory=dict)


def _check(x: Array, y: Array) -> None:
    if x.ndim != 2 or y.ndim != 2 or x.shape[0] != y.shape[0]:
        raise DeaInputError("inputs", "inputs and outputs need one row per DMU")
    if x.shape[0] < 1 or x.shape[1] < 1 or y.shape[1] < 1:
        raise DeaInputError("inputs", "at least one DMU, one input and one output are needed")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise DeaInputError("inputs", "values must be finite numbers")
    if (x <= 0).any():
        raise DeaInputError("inputs", "inputs must be positive")
    if (y < 0).any() or (y.sum(axis=0) <= 0).any():
        raise DeaInputError("outputs", "outputs must be non-negative, each positive somewhere")


class _Model:
    """One HiGHS model over the candidate columns: λ for the candidates plus fixed extras."""

    def __init__(self, m: int, s: int, vrs: bool, extras: list[tuple[float, dict[int, float]]]):
        # highspy is partly typed; the model is used through its documented methods.
        self.h: Any = highspy.Highs()  # type: ignore[no-untyped-call]
        self.h.setOptionValue("output_flag", False)
        self.h.setOptionValue("presolve", "off")
        self.rows = m + s + (1 if vrs else 0)
        inf = highspy.kHighsInf
        self.h.addRows(
            self.rows,
            np.full(self.rows, -inf),
            np.full(self.rows, inf),
            0,
            np.array([], dtype=np.int32),
            np.array([], dtype=np.int32),
            np.array([], dtype=np.float64),
        )
        for cost, entries in extras:
            idx = np.array(sorted(entries), dtype=np.int32)
            self.h.addCol(cost, 0.0, inf, len(idx), idx, np.array([entries[i] for i in idx]))
        self.n_extra = len(extras)
        self.columns: list[int] = []  # DMU index of each λ column
        self.vrs = vrs

    def add_columns(self, dmus: list[int], a: Array) -> None:
        """Add λ columns for ``dmus``; ``a`` holds each DMU's column (rows × n)."""
        k = len(dmus)
        block = a[:, dmus]
        starts = np.arange(k, dtype=np.int32) * self.rows
        indices = np.tile(np.arange(self.rows, dtype=np.int32), k)
        values = block.T.ravel()
        self.h.addCols(
            k, np.zeros(k), np.zeros(k), np.full(k, highspy.kHighsInf), k * self.rows,
            starts, indices, values,
        )  # fmt: skip
        self.columns.extend(dmus)

    def solve(self) -> highspy.HighsModelStatus:
        self.h.run()
        status: highspy.HighsModelStatus = self.h.getModelStatus()
        return status


def _column_matrix(xs: Array, ys: Array, vrs: bool) -> Array:
    parts = [xs.T, ys.T]
    if vrs:
        parts.append(np.ones((1, xs.shape[0])))
    return np.vstack(parts)


def _price(model: _Model, a: Array, exclude: int | None, in_model: NDArray[np.bool_]) -> list[int]:
    duals = np.asarray(model.h.getSolution().row_dual)
    reduced = -(duals @ a)
    reduced[in_model] = 0.0
    if exclude is not None:
        reduced[exclude] = 0.0
    candidates = np.flatnonzero(reduced < -PRICE_TOL)
    if candidates.size == 0:
        return []
    order = candidates[np.argsort(reduced[candidates])][:BATCH]
    return [int(j) for j in order]


def _initial_columns(xs: Array, ys: Array, vrs: bool) -> list[int]:
    chosen: set[int] = set()
    for i in range(xs.shape[1]):
        for r in range(ys.shape[1]):
            chosen.add(int(np.argmax(ys[:, r] / xs[:, i])))
    if vrs:
        chosen.update(int(j) for j in np.argmin(xs, axis=0))
        chosen.update(int(j) for j in np.argmax(ys, axis=0))
    return sorted(chosen)


class _Solver:
    def __init__(self, xs: Array, ys: Array, rts: Rts, orientation: Orientation) -> None:
        self.xs, self.ys = xs, ys
        self.n, self.m = xs.shape
        self.s = ys.shape[1]
        self.vrs = rts == "vrs"
        self.input = orientation == "input"
        self.a = _column_matrix(xs, ys, self.vrs)
        self.lps = 0
        self.last_peers: list[int] = []
        m, s = self.m, self.s
        # Phase one: the score column (θ or -η), whose coefficients change per DMU.
        score_rows = dict.fromkeys(range(m), 1.0) if self.input else {m + r: 1.0 for r in range(s)}
        self.phase1 = _Model(m, s, self.vrs, [(1.0 if self.input else -1.0, score_rows)])
        # Phase two: the slacks s⁻ (inputs) and s⁺ (outputs), costs in the data's units.
        extras = [(-1.0, {i: 1.0}) for i in range(m)] + [(-1.0, {m + r: -1.0}) for r in range(s)]
        self.phase2 = _Model(m, s, self.vrs, extras)
        self.in1 = np.zeros(self.n, dtype=bool)
        self.in2 = np.zeros(self.n, dtype=bool)
        start = _initial_columns(xs, ys, self.vrs)
        self._add(self.phase1, self.in1, start)
        self._add(self.phase2, self.in2, start)
        if self.vrs:
            for model in (self.phase1, self.phase2):
                model.h.changeRowBounds(m + s, 1.0, 1.0)

    def _add(self, model: _Model, mask: NDArray[np.bool_], dmus: list[int]) -> None:
        new = [j for j in dmus if not mask[j]]
        if new:
            model.add_columns(new, self.a)
            mask[new] = True

    def _run(
        self, model: _Model, mask: NDArray[np.bool_], exclude: int | None
    ) -> highspy.HighsModelStatus:
        while True:
            status = model.solve()
            self.lps += 1
            if status != highspy.HighsModelStatus.kOptimal:
                return status
            entering = _price(model, self.a, exclude, mask)
            if not entering:
                return status
            self._add(model, mask, entering)

    def phase_one(self, o: int, exclude_self: bool = False) -> float | None:
        m, s = self.m, self.s
        h = self.phase1.h
        inf = highspy.kHighsInf
        own = None
        if exclude_self and self.in1[o]:
            own = self.phase1.n_extra + self.phase1.columns.index(o)
            h.changeColBounds(own, 0.0, 0.0)
        try:
            if self.input:
                for i in range(m):
                    h.changeCoeff(i, 0, -float(self.xs[o, i]))
                    h.changeRowBounds(i, -inf, 0.0)
                for r in range(s):
                    h.changeRowBounds(m + r, float(self.ys[o, r]), inf)
            else:
                for i in range(m):
                    h.changeRowBounds(i, -inf, float(self.xs[o, i]))
                for r in range(s):
                    h.changeCoeff(m + r, 0, -float(self.ys[o, r]))
                    h.changeRowBounds(m + r, 0.0, inf)
            status = self._run(self.phase1, self.in1, o if exclude_self else None)
            if status == highspy.HighsModelStatus.kInfeasible and not exclude_self:
                # Under BCC the candidates may not span the DMU; its own column always does.
                self._add(self.phase1, self.in1, [o])
                status = self._run(self.phase1, self.in1, None)
            if status != highspy.HighsModelStatus.kOptimal:
                return None
            value = float(h.getInfo().objective_function_value)
            # Phase two starts from this solution's peers, so it is feasible from the start.
            values = np.asarray(h.getSolution().col_value)[self.phase1.n_extra :]
            self.last_peers = [
                dmu for dmu, v in zip(self.phase1.columns, values, strict=True) if v > LAMBDA_TOL
            ]
            return value if self.input else -value
        finally:
            if own is not None:
                h.changeColBounds(own, 0.0, inf)

    def phase_two(self, o: int, score: float) -> tuple[Array, Array, dict[int, float]]:
        m, s = self.m, self.s
        h = self.phase2.h
        if self.input:
            rhs_in, rhs_out = score * self.xs[o], self.ys[o]
        else:
            rhs_in, rhs_out = self.xs[o], score * self.ys[o]
        rhs = np.r_[rhs_in, rhs_out]
        h.changeRowsBounds(m + s, np.arange(m + s, dtype=np.int32), rhs, rhs)
        self._add(self.phase2, self.in2, self.last_peers)
        status = self._run(self.phase2, self.in2, None)
        if status != highspy.HighsModelStatus.kOptimal:  # pragma: no cover - phase one is feasible
            raise RuntimeError(f"phase two of DMU {o} ended with {status}")
        values = np.asarray(h.getSolution().col_value)
        slack_in = np.maximum(values[:m], 0.0)
        slack_out = np.maximum(values[m : m + s], 0.0)
        lambdas = {
            dmu: float(v)
            for dmu, v in zip(self.phase2.columns, values[m + s :], strict=True)
            if v > LAMBDA_TOL
        }
        return slack_in, slack_out, lambdas


def _as_arrays(inputs: ArrayLike, outputs: ArrayLike) -> tuple[Array, Array]:
    x = np.asarray(inputs, dtype=np.float64)
    y = np.asarray(outputs, dtype=np.float64)
    _check(x, y)
    return x, y


def dea(
    inputs: ArrayLike,
    outputs: ArrayLike,
    *,
    rts: Rts = "crs",
    orientation: Orientation = "input",
    super_efficiency: bool = False,
    scale_efficiency: bool = False,
) -> DeaResult:
    """Scores, slacks, targets and peers of every DMU (rows of ``inputs`` and ``outputs``)."""
    x, y = _as_arrays(inputs, outputs)
    solver = _Solver(x, y, rts, orientation)
    results: list[DmuResult] = []
    for o in range(x.shape[0]):
        score = solver.phase_one(o)
        if score is None:
            # Feasible with the DMU's own column, so only unbounded: no positive output to
            # expand under output orientation.
            raise DeaInputError(f"{o}.outputs", "an output-oriented score needs a positive output")
        slack_in, slack_out, lambdas = solver.phase_two(o, score)
        efficiency = score if solver.input else 1.0 / score
        if solver.input:
            target_in, target_out = score * x[o] - slack_in, y[o] + slack_out
        else:
            target_in, target_out = x[o] - slack_in, score * y[o] + slack_out
        scale = max(float(x[o].max()), float(y[o].max()), 1.0)
        efficient = abs(efficiency - 1.0) <= EFFICIENT_TOL and bool(
            (slack_in <= EFFICIENT_TOL * scale).all() and (slack_out <= EFFICIENT_TOL * scale).all()
        )
        results.append(
            DmuResult(
                index=o,
                efficiency=efficiency,
                score=score,
                slacks_input=slack_in.tolist(),
                slacks_output=slack_out.tolist(),
                target_input=target_in.tolist(),
                target_output=target_out.tolist(),
                lambdas=lambdas,
                efficient=efficient,
            )
        )
    if super_efficiency:
        for result in results:
            if abs(result.efficiency - 1.0) > EFFICIENT_TOL:
                result.super_efficiency = result.score
                continue
            value = solver.phase_one(result.index, exclude_self=True)
            if value is None:
                value = _super_fallback(x, y, result.index, rts, orientation)
            result.super_efficiency = value
    if scale_efficiency:
        other = dea(x, y, rts="vrs" if rts == "crs" else "crs", orientation=orientation)
        for result, alt in zip(results, other.dmus, strict=True):
            crs, vrs = (result, alt) if rts == "crs" else (alt, result)
            result.scale_efficiency = crs.efficiency / vrs.efficiency
    return DeaResult(
        rts, orientation, results, {"lps": solver.lps, "columns": int(solver.in1.sum())}
    )


def _super_fallback(x: Array, y: Array, o: int, rts: Rts, orientation: Orientation) -> float | None:
    # The restricted problem was infeasible; only the full one can say whether it really is.
    keep = np.arange(x.shape[0]) != o
    return _phase_one_linprog(x[keep], y[keep], x[o], y[o], rts, orientation)


def _phase_one_linprog(
    xr: Array, yr: Array, xo: Array, yo: Array, rts: Rts, orientation: Orientation
) -> float | None:
    n, m = xr.shape
    s = yr.shape[1]
    c = np.zeros(n + 1)
    if orientation == "input":
        c[0] = 1.0
        a_ub = np.vstack([np.c_[-xo[:, None], xr.T], np.c_[np.zeros((s, 1)), -yr.T]])
        b_ub = np.r_[np.zeros(m), -yo]
    else:
        c[0] = -1.0
        a_ub = np.vstack([np.c_[np.zeros((m, 1)), xr.T], np.c_[yo[:, None], -yr.T]])
        b_ub = np.r_[xo, np.zeros(s)]
    a_eq = np.r_[0.0, np.ones(n)][None, :] if rts == "vrs" else None
    b_eq = np.array([1.0]) if rts == "vrs" else None
    bounds = [(None, None)] + [(0.0, None)] * n
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if res.status != 0:
        return None
    return float(res.fun) if orientation == "input" else -float(res.fun)


def reference(
    inputs: ArrayLike,
    outputs: ArrayLike,
    *,
    rts: Rts = "crs",
    orientation: Orientation = "input",
    only: list[int] | None = None,
) -> list[tuple[float, float]]:
    """The plain method: per DMU, one ``linprog`` over all columns for the score, one for
    the slacks. Returns (score, sum of slacks) per DMU (of ``only`` if given); the
    yardstick of ``dea``."""
    x, y = _as_arrays(inputs, outputs)
    n, m = x.shape
    s = y.shape[1]
    out: list[tuple[float, float]] = []
    for o in range(n) if only is None else only:
        score = _phase_one_linprog(x, y, x[o], y[o], rts, orientation)
        assert score is not None
        c = np.r_[np.zeros(n), -np.ones(m + s)]
        a_eq = np.vstack(
            [np.c_[x.T, np.eye(m), np.zeros((m, s))], np.c_[y.T, np.zeros((s, m)), -np.eye(s)]]
        )
        b_eq = np.r_[score * x[o], y[o]] if orientation == "input" else np.r_[x[o], score * y[o]]
        if rts == "vrs":
            a_eq = np.vstack([a_eq, np.r_[np.ones(n), np.zeros(m + s)]])
            b_eq = np.r_[b_eq, 1.0]
        res = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        out.append((score, -float(res.fun)))
    return out
