"""Network measures of one migration network (pure: polars/numpy in, frames out).

The network of a year is directed and weighted: an edge origin → destination carries the
stock of people born in the origin and living in the destination. Graph algorithms come from
igraph (decision 0040); this module only assembles its results, adds the measures igraph has
no single call for (node roles, disparity filter, distributions) and shapes the output.

Conventions (see docs/services/migration.md):

- path lengths and the diameter count hops on the directed graph, over reachable pairs;
- betweenness and closeness use distance = 1 / stock, on the directed graph;
- clustering, average nearest-neighbour degree, eigenvector centrality, communities and node
  roles use the undirected projection, whose edge weight is the sum of both directions;
- weighted clustering is Barrat et al. (2004), as igraph computes it (decision 0041).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

if TYPE_CHECKING:
    import igraph as ig  # type: ignore[import-untyped]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# igraph draws community detection's randomness from one process-wide generator; seeding it
# and running the detection must not interleave between threads.
_RNG_LOCK = threading.Lock()

EDGE_SCHEMA = {"origin": pl.String, "destination": pl.String, "weight": pl.Float64}


@dataclass(frozen=True)
class RoleThresholds:
    """Guimerà & Amaral (2005) role boundaries in the (P, z) plane."""

    hub_z: float = 2.5
    r1: float = 0.05
    r2: float = 0.62
    r3: float = 0.80
    r5: float = 0.30
    r6: float = 0.75


@dataclass(frozen=True)
class NetworkParams:
    alpha: float = 0.05
    seed: int = 42
    community: Literal["louvain", "leiden"] = "louvain"
    top_corridors: int = 25
    damping: float = 0.85
    roles: RoleThresholds = field(default_factory=RoleThresholds)


@dataclass
class NetworkResult:
    summary: dict[str, Any]
    nodes: pl.DataFrame
    by_degree: pl.DataFrame
    distributions: pl.DataFrame
    backbone: pl.DataFrame
    corridors: pl.DataFrame


@dataclass(frozen=True)
class Graphs:
    """The directed graph, its undirected projection and the node names of both."""

    names: list[str]
    directed: ig.Graph
    undirected: ig.Graph
    src: IntArray
    dst: IntArray
    weight: FloatArray


def clean_edges(edges: pl.DataFrame) -> pl.DataFrame:
    """Edges with a positive weight between two different nodes, one row per pair."""
    return (
        edges.select(
            pl.col("origin").cast(pl.String),
            pl.col("destination").cast(pl.String),
            pl.col("weight").cast(pl.Float64),
        )
        .filter((pl.col("origin") != pl.col("destination")) & (pl.col("weight") > 0))
        .group_by("origin", "destination")
        .agg(pl.col("weight").sum())
        .sort("origin", "destination")
    )


def subnetwork(edges: pl.DataFrame, members: set[str] | frozenset[str]) -> pl.DataFrame:
    """The edges whose two ends are both in ``members`` (e.g. the LAC sub-network)."""
    keep = list(members)
    return edges.filter(pl.col("origin").is_in(keep) & pl.col("destination").is_in(keep))


def build_graphs(edges: pl.DataFrame) -> Graphs:
    # igraph is imported on first use: it loads matplotlib for its drawing module, which
    # would slow every `sela` command that imports this service.
    import igraph as ig

    edges = clean_edges(edges)
    labels = pl.concat([edges["origin"], edges["destination"]]).unique().sort()
    positions = pl.int_range(0, labels.len(), dtype=pl.Int64, eager=True)
    src = edges["origin"].replace_strict(labels, positions).to_numpy().astype(np.int64)
    dst = edges["destination"].replace_strict(labels, positions).to_numpy().astype(np.int64)
    weight = edges["weight"].to_numpy().astype(np.float64)
    names = labels.to_list()
    directed = ig.Graph(
        n=len(names),
        edges=np.column_stack([src, dst]),
        directed=True,
        edge_attrs={"weight": weight},
    )
    undirected = directed.as_undirected(mode="collapse", combine_edges={"weight": "sum"})
    return Graphs(names, directed, undirected, src, dst, weight)


def ccdf(values: Sequence[float] | FloatArray) -> tuple[FloatArray, FloatArray]:
    """Complementary cumulative distribution: distinct values x and P(X ≥ x)."""
    data = np.sort(np.asarray(values, dtype=np.float64))
    if data.size == 0:
        return np.array([], dtype=np.float64), np.array([], dtype=np.float64)
    xs, first = np.unique(data, return_index=True)
    return xs, (data.size - first) / data.size


def disparity_filter(
    src: IntArray, dst: IntArray, weight: FloatArray, n: int, alpha: float
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """Serrano, Boguñá & Vespignani (2009) on a directed weighted graph.

    For the out-edges of i, α_ij = (1 − w_ij/s_i)^(k_i − 1); for the in-edges of j the same
    with j's in-strength and in-degree. An edge is kept when it is significant (α_ij < α) for
    its origin or for its destination. A node with one edge on a side gives 0⁰ = 1 there:
    its only edge carries no information about heterogeneity and is kept only if the other
    end finds it significant.
    """
    k_out = np.bincount(src, minlength=n).astype(np.float64)
    k_in = np.bincount(dst, minlength=n).astype(np.float64)
    s_out = np.bincount(src, weights=weight, minlength=n)
    s_in = np.bincount(dst, weights=weight, minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha_out = np.power(np.clip(1.0 - weight / s_out[src], 0.0, 1.0), k_out[src] - 1.0)
        alpha_in = np.power(np.clip(1.0 - weight / s_in[dst], 0.0, 1.0), k_in[dst] - 1.0)
    kept = (alpha_out < alpha) | (alpha_in < alpha)
    return alpha_out, alpha_in, kept


def node_roles(
    edges_u: Sequence[tuple[int, int]] | IntArray,
    membership: Sequence[int],
    thresholds: RoleThresholds | None = None,
) -> tuple[FloatArray, FloatArray, list[str]]:
    """Within-module degree z-score, participation coefficient and role of every node.

    ``edges_u`` are the undirected simple edges (i, j); degrees are binary, as in Guimerà &
    Amaral (2005): z_i = (κ_i − mean κ_s)/sd κ_s over the nodes of i's module s (population
    standard deviation; 0 when it is 0), P_i = 1 − Σ_s (κ_is/k_i)² (0 for an isolated node).
    """
    t = thresholds or RoleThresholds()
    member = np.asarray(membership, dtype=np.int64)
    n = member.size
    modules = int(member.max()) + 1 if n else 0
    pairs = np.asarray(edges_u, dtype=np.int64).reshape(-1, 2)
    # κ_is: links of node i into module s, counting each undirected edge from both ends.
    links = np.zeros((n, max(modules, 1)), dtype=np.float64)
    np.add.at(links, (pairs[:, 0], member[pairs[:, 1]]), 1.0)
    np.add.at(links, (pairs[:, 1], member[pairs[:, 0]]), 1.0)
    degree = links.sum(axis=1)
    within = links[np.arange(n), member] if n else np.zeros(0)
    z = np.zeros(n, dtype=np.float64)
    for s in range(modules):
        idx = np.flatnonzero(member == s)
        sd = within[idx].std()
        if sd > 0:
            z[idx] = (within[idx] - within[idx].mean()) / sd
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(degree[:, None] > 0, links / degree[:, None], 0.0)
    participation = np.where(degree > 0, 1.0 - (shares**2).sum(axis=1), 0.0)
    roles = [_role(float(zi), float(pi), t) for zi, pi in zip(z, participation, strict=True)]
    return z, participation, roles


def _role(z: float, p: float, t: RoleThresholds) -> str:
    if z < t.hub_z:
        if p <= t.r1:
            return "R1"
        if p <= t.r2:
            return "R2"
        if p <= t.r3:
            return "R3"
        return "R4"
    if p <= t.r5:
        return "R5"
    if p <= t.r6:
        return "R6"
    return "R7"


ROLE_NAMES = {
    "R1": "ultra-peripheral",
    "R2": "peripheral",
    "R3": "non-hub connector",
    "R4": "non-hub kinless",
    "R5": "provincial hub",
    "R6": "connector hub",
    "R7": "kinless hub",
}


def communities(undirected: ig.Graph, method: Literal["louvain", "leiden"], seed: int) -> list[int]:
    """Community membership with a fixed seed, so a recomputation gives the same partition."""
    import igraph as ig

    with _RNG_LOCK:
        ig.set_random_number_generator(random.Random(seed))  # noqa: S311
        try:
            if method == "leiden":
                clustering = undirected.community_leiden(
                    objective_function="modularity", weights="weight", n_iterations=-1
                )
            else:
                clustering = undirected.community_multilevel(weights="weight")
        finally:
            ig.set_random_number_generator(random)
    return list(clustering.membership)


def _finite(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def compute(
    edges: pl.DataFrame,
    params: NetworkParams | None = None,
    *,
    names: dict[str, str] | None = None,
) -> NetworkResult:
    """Every measure of one network; ``edges`` has origin, destination, weight."""
    params = params or NetworkParams()
    graphs = build_graphs(edges)
    g, u = graphs.directed, graphs.undirected
    n, m = g.vcount(), g.ecount()
    if n == 0:
        return _empty_result()
    weight = graphs.weight
    distance = (1.0 / weight).tolist()

    in_degree = np.asarray(g.indegree(), dtype=np.int64)
    out_degree = np.asarray(g.outdegree(), dtype=np.int64)
    in_strength = np.bincount(graphs.dst, weights=weight, minlength=n)
    out_strength = np.bincount(graphs.src, weights=weight, minlength=n)
    degree_u = np.asarray(u.degree(), dtype=np.int64)

    knn, _ = u.knn(vids=None, weights=None)
    clustering = u.transitivity_local_undirected(mode="zero")
    clustering_w = u.transitivity_local_undirected(mode="zero", weights="weight")
    pagerank = g.pagerank(directed=True, damping=params.damping, weights="weight")
    hubs = g.hub_score(weights="weight")
    authorities = g.authority_score(weights="weight")
    betweenness = np.asarray(g.betweenness(directed=True, weights=distance), dtype=np.float64)
    closeness_in = g.closeness(mode="in", weights=distance, normalized=True)
    closeness_out = g.closeness(mode="out", weights=distance, normalized=True)
    eigenvector = u.eigenvector_centrality(weights="weight")
    membership = communities(u, params.community, params.seed)
    modularity = u.modularity(membership, weights="weight")
    z, participation, roles = node_roles(
        np.asarray(u.get_edgelist(), dtype=np.int64), membership, params.roles
    )
    alpha_out, alpha_in, kept = disparity_filter(graphs.src, graphs.dst, weight, n, params.alpha)

    pairs = (n - 1) * (n - 2)
    labels = names or {}
    nodes = pl.DataFrame(
        {
            "iso3": graphs.names,
            "name": [labels.get(c) for c in graphs.names],
            "in_degree": in_degree,
            "out_degree": out_degree,
            "degree": degree_u,
            "in_strength": in_strength,
            "out_strength": out_strength,
            "net": in_strength - out_strength,
            "pagerank": pagerank,
            "hub": hubs,
            "authority": authorities,
            "betweenness": betweenness,
            "betweenness_normalized": betweenness / pairs if pairs > 0 else betweenness * 0.0,
            # A node nothing reaches (or that reaches nothing) is as far as can be: 0.
            "closeness_in": np.nan_to_num(np.asarray(closeness_in, dtype=np.float64)),
            "closeness_out": np.nan_to_num(np.asarray(closeness_out, dtype=np.float64)),
            "eigenvector": eigenvector,
            "clustering": [_finite(v) for v in clustering],
            "clustering_weighted": [_finite(v) for v in clustering_w],
            "knn": [_finite(v) for v in knn],
            "community": membership,
            "within_module_z": z,
            "participation": participation,
            "role": roles,
        },
        strict=False,
    )
    # Small tables are assembled with numpy: polars' per-query overhead would dominate them.
    knn_arr = np.asarray(knn, dtype=np.float64)
    clustering_arr = np.asarray(clustering, dtype=np.float64)
    clustering_w_arr = np.asarray(clustering_w, dtype=np.float64)
    degrees, inverse, counts = np.unique(degree_u, return_inverse=True, return_counts=True)
    present = degrees > 0

    def mean_by_degree(values: FloatArray) -> FloatArray:
        sums = np.bincount(inverse, weights=values, minlength=degrees.size).astype(np.float64)
        means: FloatArray = sums / counts
        return means

    by_degree = pl.DataFrame(
        {
            "degree": degrees[present],
            "nodes": counts[present],
            "knn": mean_by_degree(knn_arr)[present],
            "clustering": mean_by_degree(clustering_arr)[present],
            "clustering_weighted": mean_by_degree(clustering_w_arr)[present],
        }
    )
    distributions = _ccdf_frames(
        {
            "in_degree": in_degree,
            "out_degree": out_degree,
            "in_strength": in_strength,
            "out_strength": out_strength,
        }
    )
    total = float(weight.sum())
    labels_arr = np.asarray(graphs.names, dtype=object)
    backbone = pl.DataFrame(
        {
            "origin": labels_arr[graphs.src[kept]].tolist(),
            "destination": labels_arr[graphs.dst[kept]].tolist(),
            "weight": weight[kept],
            "alpha_out": alpha_out[kept],
            "alpha_in": alpha_in[kept],
        },
        schema={
            "origin": pl.String,
            "destination": pl.String,
            "weight": pl.Float64,
            "alpha_out": pl.Float64,
            "alpha_in": pl.Float64,
        },
    )
    # Largest first; ties broken by origin then destination (their node indices sort alike).
    order = np.lexsort((graphs.dst, graphs.src, -weight))[: params.top_corridors]
    corridors = pl.DataFrame(
        {
            "origin": labels_arr[graphs.src[order]].tolist(),
            "destination": labels_arr[graphs.dst[order]].tolist(),
            "weight": weight[order],
            "share": weight[order] / total if total else weight[order] * 0.0,
            "rank": np.arange(1, order.size + 1, dtype=np.int64),
        },
        schema={
            "origin": pl.String,
            "destination": pl.String,
            "weight": pl.Float64,
            "share": pl.Float64,
            "rank": pl.Int64,
        },
    )
    reciprocity = g.reciprocity(ignore_loops=True, mode="default") if m else 0.0
    summary: dict[str, Any] = {
        "nodes": n,
        "links": m,
        "density": g.density(loops=False),
        "reciprocity": reciprocity,
        "total_stock": total,
        "mean_in_degree": float(in_degree.mean()),
        "mean_strength": total / n,
        "average_path_length": _finite(g.average_path_length(directed=True, unconn=True)),
        "diameter": int(g.diameter(directed=True, unconn=True)),
        "assortativity": _finite(g.assortativity_degree(directed=True)),
        "transitivity": _finite(u.transitivity_undirected()),
        "average_clustering": _finite(float(np.mean(clustering))),
        "average_clustering_weighted": _finite(float(np.mean(clustering_w))),
        "communities": len(set(membership)),
        "community_method": params.community,
        "modularity": modularity,
        "backbone_alpha": params.alpha,
        "backbone_links": int(kept.sum()),
        "backbone_stock_share": float(weight[kept].sum() / total) if total else 0.0,
        "roles": {r: roles.count(r) for r in ROLE_NAMES},
    }
    return NetworkResult(summary, nodes, by_degree, distributions, backbone, corridors)


def _ccdf_frames(series: dict[str, FloatArray | IntArray]) -> pl.DataFrame:
    names: list[str] = []
    xs_all: list[FloatArray] = []
    ps_all: list[FloatArray] = []
    for measure, values in series.items():
        xs, ps = ccdf(np.asarray(values, dtype=np.float64))
        names.extend([measure] * xs.size)
        xs_all.append(xs)
        ps_all.append(ps)
    return pl.DataFrame(
        {"measure": names, "value": np.concatenate(xs_all), "ccdf": np.concatenate(ps_all)},
        schema={"measure": pl.String, "value": pl.Float64, "ccdf": pl.Float64},
    )


def _empty_result() -> NetworkResult:
    empty = pl.DataFrame()
    return NetworkResult({"nodes": 0, "links": 0}, empty, empty, empty, empty, empty)


def changes(before: pl.DataFrame, after: pl.DataFrame) -> pl.DataFrame:
    """Per node, the change of the main measures between two node tables."""
    cols = ["in_strength", "out_strength", "net", "in_degree", "out_degree", "pagerank"]
    joined = before.select("iso3", *cols).join(
        after.select("iso3", *cols), on="iso3", how="full", coalesce=True, suffix="_after"
    )
    return joined.select(
        "iso3",
        *[
            (pl.col(f"{c}_after").fill_null(0) - pl.col(c).fill_null(0)).alias(f"{c}_change")
            for c in cols
        ],
        ((pl.col("in_strength_after") - pl.col("in_strength")) / pl.col("in_strength")).alias(
            "immigration_growth"
        ),
        ((pl.col("out_strength_after") - pl.col("out_strength")) / pl.col("out_strength")).alias(
            "emigration_growth"
        ),
    ).sort("iso3")
