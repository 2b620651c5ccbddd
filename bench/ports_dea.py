"""DEA of many DMUs with slacks: the ports service's solver against two plain methods.

The ports service solves every DMU's two LPs (score, then maximal slacks) with HiGHS over a
restricted set of candidate peers that grows by column generation (``sela_ports.benchmark.
dea``). The references, measured in the same run on the same data (3 inputs, 2 outputs,
uniform random, seeded):

- the plain ``scipy.optimize.linprog`` (HiGHS) loop: per DMU, one LP over all n columns for
  the score and one for the slacks (``sela_ports.benchmark.dea.reference``);
- Pyfrontier (``EnvelopDEA``, CRS, input orientation), which builds a PuLP model per DMU
  and solves it, with its slacks, with CBC.

The references are slow (the plain loop's cost grows with n², Pyfrontier's more), so each is
timed on a random sample of DMUs solved against all n, and its time for all n DMUs is the
sample's time per DMU times n; with ``--dea-sample 0`` they run on every DMU. Scores must agree
with the service's to 1e-6 (Pyfrontier rounds to 6 decimals) on every DMU the references
solved, or the run is invalid.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.report import BenchmarkError, BenchmarkResult, Measurement
from sela_ports.benchmark.dea import dea, reference

logger = logging.getLogger("sela.bench.ports_dea")

NAME = "ports_dea"
SIZES = (1000, 3000)
INPUTS, OUTPUTS = 3, 2
TOLERANCE = 1e-6


@dataclass
class Timing:
    seconds: float
    dmus_solved: int
    total_dmus: int

    @property
    def estimated_total(self) -> float:
        return self.seconds / self.dmus_solved * self.total_dmus


def _data(n: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    rng = np.random.default_rng(20190101 + n)
    return rng.uniform(10, 100, (n, INPUTS)), rng.uniform(10, 100, (n, OUTPUTS))


def _sample(n: int, size: int) -> list[int]:
    if size <= 0 or size >= n:
        return list(range(n))
    rng = np.random.default_rng(n)
    return sorted(int(i) for i in rng.choice(n, size=size, replace=False))


def _pyfrontier(
    x: np.ndarray[Any, Any], y: np.ndarray[Any, Any], only: list[int]
) -> tuple[Timing, list[float]] | None:
    try:
        from Pyfrontier.domain import DMUSet
        from Pyfrontier.solver import EnvelopeSolver
    except ImportError:
        return None
    # The solver EnvelopDEA.fit uses, called for the sampled DMUs only.
    solver = EnvelopeSolver("in", "CRS", DMUSet(x, y, np.nan), [], is_super_efficiency=False)
    start = time.perf_counter()
    scores = [float(solver._solve_problem(o).score) for o in only]
    return Timing(time.perf_counter() - start, len(only), x.shape[0]), scores


def run(sample: int) -> BenchmarkResult:
    measurements: list[Measurement] = []
    details: dict[str, Any] = {"inputs": INPUTS, "outputs": OUTPUTS, "model": "CCR input + slacks"}
    # Untimed warm-up of both solvers (imports, solver start-up), so neither pays for it.
    wx, wy = _data(50)
    dea(wx, wy)
    reference(wx, wy, only=[0, 1])
    for n in SIZES:
        x, y = _data(n)
        logger.info("DEA of %d DMUs: service solver", n)
        start = time.perf_counter()
        fast = dea(x, y, rts="crs", orientation="input")
        fast_seconds = time.perf_counter() - start
        only = _sample(n, sample)
        logger.info("plain linprog loop on %d of %d DMUs", len(only), n)
        start = time.perf_counter()
        plain = reference(x, y, rts="crs", orientation="input", only=only)
        plain_timing = Timing(time.perf_counter() - start, len(only), n)
        for o, (score, slacks) in zip(only, plain, strict=True):
            got = fast.dmus[o]
            if abs(got.score - score) > TOLERANCE:
                raise BenchmarkError(f"DMU {o} of {n}: score {got.score} vs linprog {score}")
            if abs(sum(got.slacks_input) + sum(got.slacks_output) - slacks) > 1e-4 * max(1, slacks):
                raise BenchmarkError(f"DMU {o} of {n}: slack sum differs from linprog's")
        logger.info("Pyfrontier on %d of %d DMUs", len(only), n)
        frontier = _pyfrontier(x, y, only)
        references = {"plain linprog loop": plain_timing.estimated_total}
        if frontier is not None:
            timing, scores = frontier
            for o, score in zip(only, scores, strict=True):
                if abs(fast.dmus[o].score - score) > TOLERANCE:
                    raise BenchmarkError(f"DMU {o} of {n}: score {fast.dmus[o].score} vs {score}")
            references["Pyfrontier"] = timing.estimated_total
            details[f"pyfrontier_seconds_{n}"] = timing.seconds
        best_name = min(references, key=lambda k: references[k])
        measurements.append(
            Measurement(
                name=f"DEA {n} DMUs",
                unit="DMUs/s",
                value=n / fast_seconds,
                reference_name=f"faster reference ({best_name})",
                reference_value=n / references[best_name],
                reading="speed-up over the faster plain method; target ≥ 10",
            )
        )
        details.update(
            {
                f"service_seconds_{n}": fast_seconds,
                f"service_lps_{n}": fast.stats["lps"],
                f"service_candidate_peers_{n}": fast.stats["columns"],
                f"reference_dmus_timed_{n}": len(only),
                f"plain_loop_seconds_{n}": plain_timing.seconds,
                **{f"estimated_total_seconds_{n}_{k}": v for k, v in references.items()},
            }
        )
        if frontier is None:
            details["pyfrontier"] = "not installed (uv sync --all-packages --extra bench)"
    return BenchmarkResult(name=NAME, measurements=measurements, details=details)
