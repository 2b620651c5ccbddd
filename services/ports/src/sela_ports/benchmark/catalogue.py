"""The KPI catalogue, as data: standard definitions, units and plausible ranges.

Definitions follow the usual terminal-performance conventions (UNCTAD Port Performance
Scorecard, World Bank CPPI, PIANC); the plausible ranges are wide on purpose: they catch unit
slips (minutes typed as hours, tonnes as thousand tonnes), not unusual ports.
"""

from __future__ import annotations

from dataclasses import dataclass

UNCTAD = "UNCTAD Port Performance Scorecard"
CPPI = "World Bank Container Port Performance Index"
STANDARD = "standard terminal performance definition"


@dataclass(frozen=True)
class Kpi:
    code: str
    name: str
    unit: str
    definition: str
    formula: str
    scorecard_group: str
    higher_is_better: bool
    plausible_min: float
    plausible_max: float
    source: str = STANDARD


CATALOGUE: tuple[Kpi, ...] = (
    Kpi("ship_turnaround", "Ship turnaround time", "h",
        "Average time a vessel spends in port, from arrival at the port limits to departure.",
        "Σ(departure − arrival) / calls", "operations", False, 1, 720, CPPI),
    Kpi("waiting_time", "Waiting time before berth", "h",
        "Average time between arrival and all fast at the berth.",
        "Σ(all_fast − arrival) / calls", "operations", False, 0, 480),
    Kpi("berth_time", "Time at berth", "h",
        "Average time between all fast and last line.",
        "Σ(last_line − all_fast) / calls", "operations", False, 0.5, 480),
    Kpi("berth_occupancy", "Berth occupancy", "%",
        "Share of available berth hours during which berths are occupied by vessels.",
        "Σ service hours / (berths × hours in period) × 100", "operations", False, 0, 100),
    Kpi("gross_crane_productivity", "Gross crane productivity", "moves/h",
        "Container moves per crane hour, delays included.",
        "moves / crane hours", "operations", True, 1, 80),
    Kpi("berth_productivity", "Gross berth productivity", "moves/h",
        "Container moves per hour the vessel is at berth.",
        "moves / (last_line − all_fast)", "operations", True, 1, 400, CPPI),
    Kpi("dwell_time_import", "Container dwell time, import", "d",
        "Average days an import container stays in the terminal (discharge to gate-out).",
        "Σ(gate_out − discharge) / containers", "operations", False, 0, 60),
    Kpi("dwell_time_export", "Container dwell time, export", "d",
        "Average days an export container stays in the terminal (gate-in to loading).",
        "Σ(loading − gate_in) / containers", "operations", False, 0, 60),
    Kpi("dwell_time_transshipment", "Container dwell time, transshipment", "d",
        "Average days a transshipment container stays in the terminal.",
        "Σ(loading − discharge) / containers", "operations", False, 0, 60),
    Kpi("truck_turnaround", "Truck turnaround time", "min",
        "Average time a truck spends inside the terminal, gate-in to gate-out.",
        "Σ(gate_out − gate_in) / truck visits", "operations", False, 5, 1440),
    Kpi("gate_transactions_per_lane_hour", "Gate transactions per lane-hour", "transactions/h",
        "Truck gate transactions processed per open gate lane and hour.",
        "transactions / (lanes × open hours)", "operations", True, 1, 200),
    Kpi("teu_per_berth_metre", "TEU per metre of berth", "TEU/m",
        "Annual container throughput per metre of container quay.",
        "TEU / quay length (m)", "operations", True, 10, 5000),
    Kpi("tonnes_per_berth_metre", "Tonnes per metre of berth", "t/m",
        "Annual cargo throughput per metre of quay.",
        "tonnes / quay length (m)", "operations", True, 10, 100000),
    Kpi("teu_per_hectare", "TEU per hectare of terminal", "TEU/ha",
        "Annual container throughput per hectare of container terminal area.",
        "TEU / terminal area (ha)", "operations", True, 100, 200000),
    Kpi("tonnes_per_hectare", "Tonnes per hectare of terminal", "t/ha",
        "Annual cargo throughput per hectare of terminal area.",
        "tonnes / terminal area (ha)", "operations", True, 100, 2000000),
    Kpi("container_throughput", "Container throughput", "TEU",
        "Containers handled in the period, in twenty-foot equivalent units.",
        "Σ TEU loaded, discharged and restowed", "market", True, 0, 60000000, UNCTAD),
    Kpi("throughput_growth", "Throughput growth", "%",
        "Change of total throughput against the same period a year earlier.",
        "(T_t − T_{t−1}) / T_{t−1} × 100", "market", True, -90, 300, UNCTAD),
    Kpi("transshipment_share", "Transshipment share", "%",
        "Share of transshipment in container throughput.",
        "transshipment TEU / TEU × 100", "market", False, 0, 100, UNCTAD),
    Kpi("ebitda_margin", "EBITDA margin", "%",
        "Earnings before interest, taxes, depreciation and amortisation over revenue.",
        "EBITDA / revenue × 100", "finance", True, -200, 100, UNCTAD),
    Kpi("revenue_per_tonne", "Revenue per tonne", "USD/t",
        "Operating revenue per tonne of cargo handled.",
        "revenue / tonnes", "finance", True, 0, 1000, UNCTAD),
    Kpi("labour_cost_share", "Labour cost share", "%",
        "Labour costs as a share of operating expenditure.",
        "labour costs / operating expenditure × 100", "human_resources", False, 0, 100, UNCTAD),
    Kpi("training_per_employee", "Training per employee", "h/employee",
        "Hours of training per employee and year.",
        "training hours / employees", "human_resources", True, 0, 500, UNCTAD),
)  # fmt: skip

BY_CODE = {kpi.code: kpi for kpi in CATALOGUE}

# Time units a submission may use for a KPI kept in hours, minutes or days: the factor turns
# a value in the submitted unit into the catalogue unit.
_TIME_IN_HOURS = {"h": 1.0, "min": 1 / 60, "d": 24.0}


def conversion_factor(submitted: str, catalogue: str) -> float | None:
    """Factor from ``submitted`` to ``catalogue`` unit, or ``None`` if they do not convert."""
    if submitted == catalogue:
        return 1.0
    if submitted in _TIME_IN_HOURS and catalogue in _TIME_IN_HOURS:
        return _TIME_IN_HOURS[submitted] / _TIME_IN_HOURS[catalogue]
    return None


def accepted_units(catalogue: str) -> list[str]:
    return sorted(_TIME_IN_HOURS) if catalogue in _TIME_IN_HOURS else [catalogue]
