"""Every network coefficient against an independent reference on the same graph (≤ 1e-9).

networkx is the reference wherever it computes the same quantity; Barrat's weighted
clustering (which networkx does not compute: its weighted clustering is Onnela's) is checked
against the formula written out below and against igraph's own function.
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import Any, Literal

import networkx as nx  # type: ignore[import-untyped]
import numpy as np
import polars as pl
import pytest

from sela_migration.countries import LAC
from sela_migration.network import measures
from sela_migration.stocks.parsing import parse
from tests.migration.support import (
    LONG_2020,
    random_edges,
    shared_file,
    to_digraph,
    undirected_sum,
)

TOL = 1e-9


def close(a: float | None, b: float | None, tol: float = TOL) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def assert_map(
    nodes: pl.DataFrame, column: str, expected: dict[str, float], tol: float = TOL
) -> None:
    got = dict(zip(nodes["iso3"].to_list(), nodes[column].to_list(), strict=True))
    bad = {k: (got[k], v) for k, v in expected.items() if not close(got[k], v, tol)}
    assert not bad, f"{column}: {list(bad.items())[:5]}"


def scaled(values: dict[str, float]) -> dict[str, float]:
    top = max(abs(v) for v in values.values())
    return {k: v / top for k, v in values.items()}


def barrat(graph: nx.Graph, node: Any) -> float:
    """C^w_i = 1/(s_i (k_i − 1)) Σ_{j,h} (w_ij + w_ih)/2 a_ij a_ih a_jh (Barrat et al. 2004)."""
    neighbours = list(graph[node])
    k = len(neighbours)
    if k < 2:
        return 0.0
    s = sum(graph[node][j]["weight"] for j in neighbours)
    total = 0.0
    for j, h in combinations(neighbours, 2):
        if graph.has_edge(j, h):
            total += graph[node][j]["weight"] + graph[node][h]["weight"]
    # Each unordered pair appears twice in the ordered sum, halved by the (w + w)/2.
    return float(total / (s * (k - 1)))


def check_against_networkx(edges: pl.DataFrame) -> None:
    result = measures.compute(edges)
    nodes, summary = result.nodes, result.summary
    graph = to_digraph(measures.clean_edges(edges))
    undirected = undirected_sum(graph)

    assert summary["nodes"] == graph.number_of_nodes()
    assert summary["links"] == graph.number_of_edges()
    assert close(summary["density"], nx.density(graph))
    assert close(summary["reciprocity"], nx.overall_reciprocity(graph))
    assert close(summary["assortativity"], nx.degree_assortativity_coefficient(graph, "out", "in"))
    assert close(summary["transitivity"], nx.transitivity(undirected))
    lengths = [
        d
        for s, targets in nx.all_pairs_shortest_path_length(graph)
        for t, d in targets.items()
        if s != t
    ]
    assert close(summary["average_path_length"], sum(lengths) / len(lengths))
    assert summary["diameter"] == max(lengths)

    assert_map(nodes, "in_degree", dict(graph.in_degree()))
    assert_map(nodes, "out_degree", dict(graph.out_degree()))
    assert_map(nodes, "in_strength", dict(graph.in_degree(weight="weight")))
    assert_map(nodes, "out_strength", dict(graph.out_degree(weight="weight")))
    assert_map(nodes, "knn", nx.average_neighbor_degree(undirected))
    assert_map(nodes, "clustering", nx.clustering(undirected))
    assert_map(nodes, "clustering_weighted", {n: barrat(undirected, n) for n in undirected})
    assert_map(
        nodes,
        "pagerank",
        nx.pagerank(graph, alpha=0.85, weight="weight", tol=1e-15, max_iter=100_000),
    )
    hubs, authorities = nx.hits(graph, max_iter=100_000, tol=1e-14)
    assert_map(nodes, "hub", scaled(hubs))
    assert_map(nodes, "authority", scaled(authorities))
    assert_map(
        nodes,
        "betweenness",
        nx.betweenness_centrality(graph, weight="distance", normalized=False),
    )
    # networkx measures closeness on incoming paths; "out" is the same on the reversed graph.
    assert_map(
        nodes,
        "closeness_in",
        nx.closeness_centrality(graph, distance="distance", wf_improved=False),
    )
    assert_map(
        nodes,
        "closeness_out",
        nx.closeness_centrality(graph.reverse(), distance="distance", wf_improved=False),
    )
    assert_map(
        nodes,
        "eigenvector",
        scaled(nx.eigenvector_centrality_numpy(undirected, weight="weight")),
    )
    partition: dict[int, set[str]] = {}
    for iso3, community in nodes.select("iso3", "community").iter_rows():
        partition.setdefault(community, set()).add(iso3)
    assert close(
        summary["modularity"],
        nx.community.modularity(undirected, partition.values(), weight="weight"),
    )
    by_degree = nx.average_degree_connectivity(undirected)
    for degree, knn in result.by_degree.select("degree", "knn").iter_rows():
        assert close(knn, by_degree[degree])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_graphs_match_networkx(seed: int) -> None:
    check_against_networkx(random_edges(40, 0.12, seed))


def test_world_and_lac_2020_match_networkx() -> None:
    stocks = parse(shared_file(LONG_2020).read_bytes(), "long").frame
    edges = stocks.filter(pl.col("year") == 2020).select(
        "origin", "destination", pl.col("total").alias("weight")
    )
    check_against_networkx(measures.subnetwork(edges, LAC))
    check_against_networkx(edges)


def test_barrat_is_igraphs_weighted_clustering() -> None:
    edges = random_edges(30, 0.2, 9)
    graphs = measures.build_graphs(edges)
    undirected = undirected_sum(to_digraph(measures.clean_edges(edges)))
    ours = graphs.undirected.transitivity_local_undirected(mode="zero", weights="weight")
    for name, value in zip(graphs.names, ours, strict=True):
        assert close(value, barrat(undirected, name))


def test_communities_are_reproducible_with_a_seed() -> None:
    edges = random_edges(40, 0.12, 4)
    methods: tuple[Literal["louvain", "leiden"], ...] = ("louvain", "leiden")
    for method in methods:
        params = measures.NetworkParams(community=method, seed=7)
        first = measures.compute(edges, params).nodes["community"].to_list()
        second = measures.compute(edges, params).nodes["community"].to_list()
        assert first == second


def test_ccdf() -> None:
    xs, ps = measures.ccdf([1, 1, 2, 5])
    assert xs.tolist() == [1.0, 2.0, 5.0]
    assert ps.tolist() == [1.0, 0.5, 0.25]


# ----------------------------------------------------------------- worked by hand


def test_disparity_filter_by_hand() -> None:
    """Node A sends 90, 5, 5 to B, C, D; D sends 10 to A; C sends 1 and 1 to A and B.

    Out-edges of A (k=3, s=100): α(A→B) = (1 − 0.9)² = 0.01, α(A→C) = α(A→D) = 0.95² = 0.9025.
    In-edges: A receives from D (10) and C (1): k=2, s=11: α(D→A) = 1/11 ≈ 0.0909,
    α(C→A) = 10/11. B receives from A (90) and C (1): α(A→B) = 1/91, α(C→B) = 90/91.
    C's out-edges (k=2, s=2): α = 0.5 each. D has one out-edge: α = 0⁰ = 1.
    At α = 0.05 only A→B is kept; at α = 0.1 D→A joins it.
    """
    names = ["A", "B", "C", "D"]
    src = np.array([0, 0, 0, 3, 2, 2])
    dst = np.array([1, 2, 3, 0, 0, 1])
    weight = np.array([90.0, 5, 5, 10, 1, 1])
    a_out, a_in, kept = measures.disparity_filter(src, dst, weight, 4, 0.05)
    assert np.allclose(a_out, [0.01, 0.9025, 0.9025, 1.0, 0.5, 0.5])
    assert np.allclose(a_in, [1 / 91, 0.95**0 * 1.0, 1.0, 1 / 11, 10 / 11, 90 / 91])
    assert kept.tolist() == [True, False, False, False, False, False]
    _, _, kept = measures.disparity_filter(src, dst, weight, 4, 0.1)
    assert [f"{names[s]}{names[d]}" for s, d, k in zip(src, dst, kept, strict=True) if k] == [
        "AB",
        "DA",
    ]


def test_node_roles_by_hand() -> None:
    """Two triangles {0,1,2} and {3,4,5} joined by the edge 2–3, plus 6 hanging on 0.

    Modules: {0,1,2,6} and {3,4,5}. Within-module degrees κ: 0→3 (1,2,6), 1→2, 2→2, 6→1;
    3→2, 4→2, 5→2. Module 1: mean 2, sd √0.5 → z(0) = 1/√0.5 ≈ 1.414, z(6) = −1.414,
    z(1) = z(2) = 0; module 2: sd 0 → z = 0.
    Participation: node 2 has k=3 with 2 links home and 1 away: P = 1 − (2/3)² − (1/3)² = 4/9;
    node 3 the same; the others have all links at home: P = 0.
    """
    edges = [(0, 1), (0, 2), (1, 2), (3, 4), (3, 5), (4, 5), (2, 3), (0, 6)]
    membership = [0, 0, 0, 1, 1, 1, 0]
    z, p, roles = measures.node_roles(edges, membership)
    s = math.sqrt(0.5)
    assert np.allclose(z, [1 / s, 0, 0, 0, 0, 0, -1 / s])
    assert np.allclose(p, [0, 0, 4 / 9, 4 / 9, 0, 0, 0])
    assert roles == ["R1", "R1", "R2", "R2", "R1", "R1", "R1"]
    # With the hub threshold lowered to 1.4, node 0 is a provincial hub (P ≤ 0.30).
    _, _, roles = measures.node_roles(edges, membership, measures.RoleThresholds(hub_z=1.4))
    assert roles[0] == "R5"


def test_role_boundaries() -> None:
    t = measures.RoleThresholds()
    cases = {
        (0.0, 0.05): "R1",
        (0.0, 0.06): "R2",
        (0.0, 0.62): "R2",
        (0.0, 0.7): "R3",
        (0.0, 0.81): "R4",
        (2.5, 0.3): "R5",
        (2.5, 0.5): "R6",
        (3.0, 0.9): "R7",
    }
    for (z, p), role in cases.items():
        assert measures._role(z, p, t) == role


def test_changes_between_years() -> None:
    before = measures.compute(random_edges(20, 0.3, 1)).nodes
    after = measures.compute(random_edges(20, 0.3, 2)).nodes
    delta = measures.changes(before, after)
    row = delta.filter(pl.col("iso3") == "N000").row(0, named=True)
    b = before.filter(pl.col("iso3") == "N000").row(0, named=True)
    a = after.filter(pl.col("iso3") == "N000").row(0, named=True)
    assert close(row["in_strength_change"], a["in_strength"] - b["in_strength"])
