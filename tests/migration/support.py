"""Shared helpers of the migration tests: the shared data folder and reference graphs."""

from __future__ import annotations

from pathlib import Path

import networkx as nx  # type: ignore[import-untyped]
import numpy as np
import polars as pl
import pytest

from sela_migration.settings import MigrationSettings

DATA = MigrationSettings().shared_data()
LONG_2020 = DATA / "migration" / "undesa_ims2020_bilateral_stock_long.csv.gz"
WIDE_2019 = DATA / "migration" / "UN_MigrantStockByOriginAndDestination_2019_clean.csv"


def shared_file(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared data file {path} is absent (tests on real data need ../shared/data)")
    return path


def random_edges(n: int, p: float, seed: int) -> pl.DataFrame:
    """A directed graph with lognormal weights, like migrant stocks."""
    rng = np.random.default_rng(seed)
    rows = [
        (f"N{i:03d}", f"N{j:03d}", float(np.round(rng.lognormal(6, 2)) + 1))
        for i in range(n)
        for j in range(n)
        if i != j and rng.random() < p
    ]
    return pl.DataFrame(rows, schema=["origin", "destination", "weight"], orient="row")


def to_digraph(edges: pl.DataFrame) -> nx.DiGraph:
    graph = nx.DiGraph()
    for o, d, w in edges.iter_rows():
        graph.add_edge(o, d, weight=w, distance=1.0 / w)
    return graph


def undirected_sum(graph: nx.DiGraph) -> nx.Graph:
    out = nx.Graph()
    out.add_nodes_from(graph.nodes)
    for o, d, data in graph.edges(data=True):
        if out.has_edge(o, d):
            out[o][d]["weight"] += data["weight"]
        else:
            out.add_edge(o, d, weight=data["weight"])
    return out
