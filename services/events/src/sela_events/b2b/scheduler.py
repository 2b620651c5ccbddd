"""Bilateral meetings into slots and tables, as many as possible (pure).

An integer programme solved by HiGHS (``scipy.optimize.milp``). A binary variable per
(request, slot) says the meeting happens in that slot; in each slot a participant has at most
one meeting, and the meetings fit the tables: a table of a sector hosts that sector's meetings,
a table without sector hosts any, and a request without sector may sit at any table. Table
capacity per slot is written with two small integer variables per sector and slot, how many
meetings of the sector sit at general tables (``y``) and how many sectorless meetings sit at
the sector's tables (``z``):

    m[k,s] - y[k,s] + z[k,s] <= T[k]          for each sector k and slot s
    m[0,s] + Σk y[k,s] - Σk z[k,s] <= T[0]    general tables

where m counts the meetings placed. Tables are then named per slot by a greedy pass that
always succeeds when these hold. The objective counts met requests; HiGHS proves the optimum
unless the time limit stops it first (then the best schedule found is kept and ``optimal`` is
False).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

# numpy and scipy are imported in schedule(): they are slow to import, and only a staff
# request for a round-table schedule needs them.


@dataclass(frozen=True)
class Wish:
    """A requested bilateral meeting between participants ``a`` and ``b``."""

    id: str
    a: str
    b: str
    sector: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    sector: str | None = None  # None: any sector


@dataclass(frozen=True)
class Plan:
    assignments: dict[str, tuple[int, str]]  # wish id -> (slot index, table name)
    optimal: bool


def schedule(
    wishes: Sequence[Wish], slots: int, tables: Sequence[Table], *, time_limit: float = 20.0
) -> Plan:
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_array

    sectors = sorted({t.sector for t in tables if t.sector is not None})
    capacity = {k: sum(1 for t in tables if t.sector == k) for k in sectors}
    general = sum(1 for t in tables if t.sector is None)
    # A wish whose sector has no table of its own can sit only at general tables.
    usable = [w for w in wishes if w.sector is None or w.sector in capacity or general > 0]
    if not usable or slots == 0 or not tables:
        return Plan({}, True)
    n_x = len(usable) * slots
    n_yz = len(sectors) * slots
    n = n_x + 2 * n_yz

    def x(w: int, s: int) -> int:
        return w * slots + s

    def y(k: int, s: int) -> int:
        return n_x + k * slots + s

    def z(k: int, s: int) -> int:
        return n_x + n_yz + k * slots + s

    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    upper: list[float] = []

    def add(entries: list[tuple[int, float]], bound: float) -> None:
        row = len(upper)
        for col, val in entries:
            rows.append(row)
            cols.append(col)
            vals.append(val)
        upper.append(bound)

    for w in range(len(usable)):
        add([(x(w, s), 1.0) for s in range(slots)], 1)
    people: dict[str, list[int]] = defaultdict(list)
    for w, wish in enumerate(usable):
        people[wish.a].append(w)
        people[wish.b].append(w)
    for involved in people.values():
        if len(involved) > 1:
            for s in range(slots):
                add([(x(w, s), 1.0) for w in involved], 1)
    index = {k: i for i, k in enumerate(sectors)}
    for s in range(slots):
        general_row: list[tuple[int, float]] = []
        for w, wish in enumerate(usable):
            if wish.sector is None or wish.sector not in index:
                general_row.append((x(w, s), 1.0))
        for k, i in index.items():
            own = [(x(w, s), 1.0) for w, wish in enumerate(usable) if wish.sector == k]
            add([*own, (y(i, s), -1.0), (z(i, s), 1.0)], capacity[k])
            general_row += [(y(i, s), 1.0), (z(i, s), -1.0)]
        add(general_row, general)
    matrix = coo_array((vals, (rows, cols)), shape=(len(upper), n)).tocsr()
    lower_bounds = np.zeros(n)
    upper_bounds = np.concatenate([np.ones(n_x), np.full(2 * n_yz, len(tables))])
    # Sectorless wishes at a sector's tables (z) only when such wishes exist.
    cost = np.concatenate([-np.ones(n_x), np.zeros(2 * n_yz)])
    result = milp(
        cost,
        constraints=[LinearConstraint(matrix, -np.inf, np.array(upper))],
        integrality=np.ones(n),
        bounds=Bounds(lower_bounds, upper_bounds),
        options={"time_limit": time_limit},
    )
    if result.x is None:
        return Plan({}, False)
    per_slot: dict[int, list[Wish]] = defaultdict(list)
    for w, wish in enumerate(usable):
        for s in range(slots):
            if result.x[x(w, s)] > 0.5:
                per_slot[s].append(wish)
    assignments: dict[str, tuple[int, str]] = {}
    for s, placed in per_slot.items():
        for wish, table in _seat(placed, tables):
            assignments[wish.id] = (s, table)
    return Plan(assignments, bool(result.status == 0))


def _seat(placed: list[Wish], tables: Sequence[Table]) -> list[tuple[Wish, str]]:
    """Name a table for each meeting of one slot: sector tables first, then general ones,
    then sectorless meetings at whatever is left."""
    free_sector: dict[str, list[str]] = defaultdict(list)
    free_general: list[str] = []
    for t in tables:
        (free_sector[t.sector] if t.sector is not None else free_general).append(t.name)
    seated: list[tuple[Wish, str]] = []
    sectorless: list[Wish] = []
    for wish in placed:
        if wish.sector is not None and free_sector.get(wish.sector):
            seated.append((wish, free_sector[wish.sector].pop()))
        elif wish.sector is not None:
            seated.append((wish, free_general.pop()))
        else:
            sectorless.append(wish)
    rest = free_general + [name for names in free_sector.values() for name in names]
    seated += [(wish, rest.pop()) for wish in sectorless]
    return seated
