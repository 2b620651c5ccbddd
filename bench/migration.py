"""The migration service's network suite against igraph and networkx on the same graphs.

For every year of the world network of the UN DESA 2020 stocks (seven years, 232 areas,
10–12 thousand links), three legs compute the same quantities in the same run:

- **service**: ``sela_migration.network.measures.compute`` from the edge table to its output
  tables (it also computes node roles, the disparity-filter backbone, distributions and
  corridors, which the references do not);
- **igraph**: the igraph calls for the same quantities, from the same edge table;
- **networkx**: networkx for the same quantities (its weighted clustering is Onnela's, not
  Barrat's; otherwise the definitions are the ones the service tests check to 1e-9).

Without ``../shared/data`` the graphs are generated with the same size and density (labelled
"generated" in the report).
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Callable
from time import perf_counter
from typing import Any

import igraph as ig  # type: ignore[import-untyped]
import networkx as nx  # type: ignore[import-untyped]
import numpy as np
import polars as pl

from bench.report import BenchmarkResult, Measurement
from sela_migration.network import measures
from sela_migration.settings import MigrationSettings
from sela_migration.stocks.parsing import parse

logger = logging.getLogger("sela.bench.migration")

NAME = "migration"
LONG_2020 = "migration/undesa_ims2020_bilateral_stock_long.csv.gz"


def _graphs() -> tuple[dict[int, pl.DataFrame], str]:
    path = MigrationSettings().shared_data() / LONG_2020
    if path.exists():
        stocks = parse(path.read_bytes(), "long").frame
        years = sorted(stocks["year"].unique().to_list())
        return {
            year: stocks.filter(pl.col("year") == year).select(
                "origin", "destination", pl.col("total").alias("weight")
            )
            for year in years
        }, "UN DESA 2020, world network"
    rng = np.random.default_rng(1)
    out = {}
    for k, year in enumerate(range(1990, 2021, 5)):
        rows = [
            (f"A{i:03d}", f"A{j:03d}", float(rng.lognormal(6, 2)) + 1)
            for i in range(232)
            for j in range(232)
            if i != j and rng.random() < 0.19 + 0.004 * k
        ]
        out[year] = pl.DataFrame(rows, schema=["origin", "destination", "weight"], orient="row")
    return out, "generated (no shared data): 232 nodes, density about 0.2"


def service_suite(edges: pl.DataFrame) -> Any:
    return measures.compute(edges)


def igraph_suite(edges: pl.DataFrame) -> Any:
    g = ig.Graph.TupleList(edges.iter_rows(), directed=True, edge_attrs=["weight"])
    u = g.as_undirected(mode="collapse", combine_edges={"weight": "sum"})
    distance = [1.0 / w for w in g.es["weight"]]
    random_state = __import__("random").Random(42)
    ig.set_random_number_generator(random_state)
    membership = u.community_multilevel(weights="weight").membership
    ig.set_random_number_generator(__import__("random"))
    return (
        g.density(),
        g.reciprocity(),
        g.indegree(),
        g.outdegree(),
        g.strength(mode="in", weights="weight"),
        g.strength(mode="out", weights="weight"),
        g.average_path_length(directed=True, unconn=True),
        g.diameter(directed=True, unconn=True),
        g.assortativity_degree(directed=True),
        u.knn(),
        u.transitivity_undirected(),
        u.transitivity_local_undirected(mode="zero"),
        u.transitivity_local_undirected(mode="zero", weights="weight"),
        g.pagerank(weights="weight"),
        g.hub_score(weights="weight"),
        g.authority_score(weights="weight"),
        g.betweenness(weights=distance),
        g.closeness(mode="in", weights=distance),
        g.closeness(mode="out", weights=distance),
        u.eigenvector_centrality(weights="weight"),
        u.modularity(membership, weights="weight"),
    )


def networkx_suite(edges: pl.DataFrame) -> Any:
    g = nx.DiGraph()
    for o, d, w in edges.iter_rows():
        g.add_edge(o, d, weight=w, distance=1.0 / w)
    u = nx.Graph()
    for o, d, data in g.edges(data=True):
        if u.has_edge(o, d):
            u[o][d]["weight"] += data["weight"]
        else:
            u.add_edge(o, d, weight=data["weight"])
    lengths = [d for s, ts in nx.all_pairs_shortest_path_length(g) for t, d in ts.items() if s != t]
    communities = nx.community.louvain_communities(u, weight="weight", seed=42)
    return (
        nx.density(g),
        nx.overall_reciprocity(g),
        dict(g.in_degree()),
        dict(g.out_degree()),
        dict(g.in_degree(weight="weight")),
        dict(g.out_degree(weight="weight")),
        sum(lengths) / len(lengths),
        max(lengths),
        nx.degree_assortativity_coefficient(g, "out", "in"),
        nx.average_neighbor_degree(u),
        nx.transitivity(u),
        nx.clustering(u),
        nx.clustering(u, weight="weight"),
        nx.pagerank(g, weight="weight"),
        nx.hits(g),
        nx.betweenness_centrality(g, weight="distance", normalized=False),
        nx.closeness_centrality(g, distance="distance", wf_improved=False),
        nx.closeness_centrality(g.reverse(), distance="distance", wf_improved=False),
        nx.eigenvector_centrality_numpy(u, weight="weight"),
        nx.community.modularity(u, communities, weight="weight"),
    )


def _time_all(suite: Callable[[pl.DataFrame], Any], graphs: dict[int, pl.DataFrame]) -> float:
    started = perf_counter()
    for edges in graphs.values():
        suite(edges)
    return perf_counter() - started


def run(rounds: int = 5) -> BenchmarkResult:
    graphs, label = _graphs()
    logger.info("%s: %d years", label, len(graphs))
    # Warm-up: imports, first calls into the C libraries, polars' thread pool.
    first = next(iter(graphs.values()))
    service_suite(first)
    igraph_suite(first)
    service_times: list[float] = []
    igraph_times: list[float] = []
    # Alternating rounds, so drift on a busy machine falls on both legs alike.
    for _ in range(rounds):
        service_times.append(_time_all(service_suite, graphs))
        igraph_times.append(_time_all(igraph_suite, graphs))
    logger.info("networkx (one round, slow)")
    networkx_time = _time_all(networkx_suite, graphs)
    service = statistics.median(service_times)
    igraph = statistics.median(igraph_times)
    return BenchmarkResult(
        name=NAME,
        measurements=[
            Measurement(
                name="service suite, all years",
                unit="s",
                value=service,
                reference_name="igraph",
                reference_value=igraph,
                reading="time ratio to igraph computing the same quantities; target ≤ 1.5 "
                "(lower is better, unlike the other benchmarks)",
            ),
            Measurement(
                name="networkx suite, all years",
                unit="s",
                value=networkx_time,
                reference_name="igraph",
                reference_value=igraph,
                reading="how much slower networkx is on the same quantities (one round)",
            ),
        ],
        details={
            "graphs": label,
            "years": ", ".join(str(y) for y in graphs),
            "links per year": ", ".join(str(e.height) for e in graphs.values()),
            "rounds (service, igraph)": rounds,
            "service seconds per round": ", ".join(f"{t:.3f}" for t in service_times),
            "igraph seconds per round": ", ".join(f"{t:.3f}" for t in igraph_times),
            "igraph": ig.__version__,
            "networkx": nx.__version__,
        },
    )
