"""Reading the shared real data sets (NGA World Port Index subset, top-100 container ports)."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

WPI_FILE = "data/ports/NGA_WPI_LAC_subset.csv"
TEU_FILE = "data/ports/top100_ports_TEUByYear_2011_2019.csv"


def shared_dir(configured: Path | None = None) -> Path:
    """The shared data folder: configured, else ``SELA_SHARED_DIR``, else ``<repo>/../shared``."""
    if configured is not None:
        return configured
    env = os.environ.get("SELA_SHARED_DIR")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[4]
    return repo.parent / "shared"


@dataclass(frozen=True)
class WpiPort:
    locode: str
    name: str
    iso3: str
    latitude: float | None
    longitude: float | None
    wpi_number: int | None
    harbor_size: str | None
    harbor_type: str | None
    channel_depth_m: float | None
    cargo_pier_depth_m: float | None
    max_vessel_length_m: float | None
    max_vessel_draft_m: float | None


def _number(raw: str) -> float | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    # The index writes 0.0 for "not reported" in its depth and vessel-size columns.
    return value if value != 0.0 else None


def _coordinate(raw: str) -> float | None:
    try:
        return float(raw)
    except ValueError:
        return None


def _text(raw: str) -> str | None:
    raw = raw.strip()
    return raw or None


def read_wpi(path: Path) -> dict[str, WpiPort]:
    """Ports of the World Port Index subset by UN/LOCODE (written "MX ZLO" in the file)."""
    ports: dict[str, WpiPort] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            locode = row["UN/LOCODE"].replace(" ", "").strip().upper()
            if len(locode) != 5:
                continue
            number = _number(row["World Port Index Number"])
            ports[locode] = WpiPort(
                locode=locode,
                name=row["Main Port Name"].strip(),
                iso3=row["iso3"].strip(),
                latitude=_coordinate(row["Latitude"]),
                longitude=_coordinate(row["Longitude"]),
                wpi_number=int(number) if number is not None else None,
                harbor_size=_text(row["Harbor Size"]),
                harbor_type=_text(row["Harbor Type"]),
                channel_depth_m=_number(row["Channel Depth (m)"]),
                cargo_pier_depth_m=_number(row["Cargo Pier Depth (m)"]),
                max_vessel_length_m=_number(row["Maximum Vessel Length (m)"]),
                max_vessel_draft_m=_number(row["Maximum Vessel Draft (m)"]),
            )
    return ports


def read_teu(path: Path, names: dict[str, str]) -> dict[str, dict[int, float]]:
    """TEU per year of the ports in ``names`` (table name -> UN/LOCODE); million TEU in the
    file, TEU in the result."""
    series: dict[str, dict[int, float]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            year = int(row["year"])
            for name, locode in names.items():
                raw = (row.get(name) or "").strip()
                if raw:
                    series.setdefault(locode, {})[year] = round(float(raw) * 1_000_000)
    return series
