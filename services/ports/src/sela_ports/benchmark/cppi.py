"""Port hours per call in the manner of the World Bank Container Port Performance Index.

Administrative approach (CPPI 2020–2023 methodology, World Bank & S&P Global):

1. each call falls in a cell: ship-size group (TEU capacity) × call-size band (moves per call);
2. the cell average is the mean port hours (arrival to departure) of all calls of all ports
   in that cell;
3. a port's index points in a cell are ``(cell average − port mean) / cell average``:
   positive when the port is faster than the average for calls of that kind;
4. within a ship-size group, points are weighted by the share of the port's calls in each
   call-size band; across groups, by the share of the port's calls in each group.

The statistical variant replaces step 4 by one common factor: the matrix of index points
(ports × cells, cells with at least ``min_ports`` ports, missing points set to the cell
average, i.e. 0) is standardised, its first principal factor is extracted from the
correlation matrix, and a port's score is its factor score, signed so that it rises with
the administrative index.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

# CPPI 2021 ship-size groups (TEU capacity) and call-size bands (moves per call).
SHIP_SIZE_GROUPS: tuple[tuple[str, int, int | None], ...] = (
    ("<1500", 0, 1500),
    ("1501-5000", 1501, 5000),
    ("5001-8500", 5001, 8500),
    ("8501-13500", 8501, 13500),
    (">13500", 13501, None),
)
CALL_SIZE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("<250", 0, 249),
    ("250-500", 250, 500),
    ("501-1000", 501, 1000),
    ("1001-1500", 1001, 1500),
    ("1501-2000", 1501, 2000),
    ("2001-2500", 2001, 2500),
    ("2501-3000", 2501, 3000),
    ("3001-4000", 3001, 4000),
    ("4001-6000", 4001, 6000),
    (">6000", 6001, None),
)


def _band(value: int, bands: Sequence[tuple[str, int, int | None]]) -> str:
    for label, low, high in bands:
        if value >= low and (high is None or value <= high):
            return label
    return bands[-1][0]


@dataclass(frozen=True)
class Call:
    port: Hashable
    vessel_teu: int
    moves: int
    port_hours: float


@dataclass
class PortIndex:
    port: Hashable
    calls: int
    index: float
    """Administrative index: call-share weighted index points (0 = average, > 0 faster)."""
    by_size_group: dict[str, float]
    mean_port_hours: float
    factor_score: float | None = None


@dataclass
class CppiResult:
    ports: list[PortIndex]
    cell_averages: dict[str, float]
    factor_cells: list[str]
    factor_loadings: list[float]


def cell_of(call: Call) -> tuple[str, str]:
    return _band(call.vessel_teu, SHIP_SIZE_GROUPS), _band(call.moves, CALL_SIZE_BANDS)


def compute(calls: Sequence[Call], *, min_ports: int = 2) -> CppiResult:
    cell_hours: dict[tuple[str, str], list[float]] = defaultdict(list)
    port_cell_hours: dict[Hashable, dict[tuple[str, str], list[float]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for call in calls:
        cell = cell_of(call)
        cell_hours[cell].append(call.port_hours)
        port_cell_hours[call.port][cell].append(call.port_hours)
    averages = {cell: float(np.mean(h)) for cell, h in cell_hours.items()}

    ports: list[PortIndex] = []
    points: dict[Hashable, dict[tuple[str, str], float]] = {}
    for port, cells in port_cell_hours.items():
        total = sum(len(h) for h in cells.values())
        pts = {
            cell: (averages[cell] - float(np.mean(h))) / averages[cell]
            for cell, h in cells.items()
            if averages[cell] > 0
        }
        points[port] = pts
        groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for cell in pts:
            groups[cell[0]].append(cell)
        by_group: dict[str, float] = {}
        index = 0.0
        for group, group_cells in groups.items():
            group_calls = sum(len(cells[c]) for c in group_cells)
            by_group[group] = sum(pts[c] * len(cells[c]) / group_calls for c in group_cells)
            index += by_group[group] * group_calls / total
        all_hours = [h for hs in cells.values() for h in hs]
        ports.append(
            PortIndex(
                port=port,
                calls=total,
                index=index,
                by_size_group=dict(sorted(by_group.items())),
                mean_port_hours=float(np.mean(all_hours)),
            )
        )

    factor_cells, loadings = _factor(ports, points, min_ports)
    return CppiResult(
        ports=sorted(ports, key=lambda p: -p.index),
        cell_averages={f"{g}|{b}": v for (g, b), v in sorted(averages.items())},
        factor_cells=[f"{g}|{b}" for g, b in factor_cells],
        factor_loadings=loadings,
    )


def _factor(
    ports: list[PortIndex],
    points: dict[Hashable, dict[tuple[str, str], float]],
    min_ports: int,
) -> tuple[list[tuple[str, str]], list[float]]:
    coverage: dict[tuple[str, str], int] = defaultdict(int)
    for pts in points.values():
        for cell in pts:
            coverage[cell] += 1
    cells = sorted(c for c, k in coverage.items() if k >= min_ports)
    if len(ports) < 3 or len(cells) < 2:
        return cells, []
    matrix = np.array([[points[p.port].get(c, 0.0) for c in cells] for p in ports])
    std = matrix.std(axis=0)
    keep = std > 1e-12
    if keep.sum() < 2:
        return cells, []
    cells = [c for c, k in zip(cells, keep, strict=True) if k]
    z = (matrix[:, keep] - matrix[:, keep].mean(axis=0)) / std[keep]
    corr = np.corrcoef(z, rowvar=False)
    values, vectors = np.linalg.eigh(corr)
    loading = vectors[:, -1] * np.sqrt(max(values[-1], 0.0))
    # Regression (Thomson) factor scores: z · R⁻¹ · loading.
    weights = np.linalg.pinv(corr) @ loading
    scores = z @ weights
    admin = np.array([p.index for p in ports])
    if np.corrcoef(scores, admin)[0, 1] < 0:
        scores, loading = -scores, -loading
    for port, score in zip(ports, scores, strict=True):
        port.factor_score = float(score)
    return cells, [float(v) for v in loading]
