"""Network documents and figures (pure: frames in, bytes or objects out).

GraphML and GEXF are written by networkx, so Gephi, Cytoscape and networkx read them back;
the node-link JSON is networkx's ``node_link_data`` layout (``nodes`` and ``edges``) that
drawing libraries such as d3 take as is.
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

if TYPE_CHECKING:
    import networkx as nx  # type: ignore[import-untyped]

GraphFormat = Literal["graphml", "gexf", "node-link"]
MEDIA_TYPES = {
    "graphml": "application/graphml+xml",
    "gexf": "application/gexf+xml",
    "node-link": "application/json",
    "csv": "text/csv; charset=utf-8",
    "png": "image/png",
    "svg": "image/svg+xml",
}


def _clean(value: Any) -> Any:
    # GraphML and GEXF have no null: an undefined measure is left out of the node's data.
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value


def to_networkx(edges: pl.DataFrame, nodes: pl.DataFrame) -> nx.DiGraph:
    import networkx as nx

    graph = nx.DiGraph()
    for row in nodes.iter_rows(named=True):
        attrs = {k: _clean(v) for k, v in row.items() if k != "iso3"}
        graph.add_node(row["iso3"], **{k: v for k, v in attrs.items() if v is not None})
    for origin, destination, weight in edges.select("origin", "destination", "weight").iter_rows():
        graph.add_edge(origin, destination, weight=float(weight))
    return graph


def graph_document(edges: pl.DataFrame, nodes: pl.DataFrame, fmt: GraphFormat) -> bytes:
    import networkx as nx

    graph = to_networkx(edges, nodes)
    if fmt == "node-link":
        import json

        data = nx.node_link_data(graph, edges="edges")
        return json.dumps(data).encode()
    buffer = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(graph, buffer)
    else:
        nx.write_gexf(graph, buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    return pl.DataFrame(rows, infer_schema_length=None).write_csv().encode()


def figure(
    edges: pl.DataFrame,
    nodes: pl.DataFrame,
    fmt: Literal["png", "svg"],
    *,
    title: str,
    seed: int = 7,
) -> bytes:
    """A drawing of the network: node area ∝ immigrants, colour = community, edges = backbone."""
    import matplotlib
    import networkx as nx

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    graph = to_networkx(edges, nodes)
    undirected = graph.to_undirected()
    positions = nx.spring_layout(undirected, seed=seed, weight=None)
    fig, ax = plt.subplots(figsize=(10, 8), dpi=100)
    try:
        strengths = [float(graph.nodes[n].get("in_strength", 0.0)) for n in graph.nodes]
        top = max(strengths) if strengths and max(strengths) > 0 else 1.0
        sizes = [30 + 1500 * math.sqrt(s / top) for s in strengths]
        colours = [int(graph.nodes[n].get("community", 0)) for n in graph.nodes]
        weights = [float(d["weight"]) for _, _, d in graph.edges(data=True)]
        wmax = max(weights) if weights else 1.0
        nx.draw_networkx_edges(
            graph,
            positions,
            ax=ax,
            width=[0.3 + 4 * math.sqrt(w / wmax) for w in weights],
            alpha=0.35,
            arrows=True,
            arrowsize=6,
            edge_color="#555555",
        )
        nx.draw_networkx_nodes(
            graph, positions, ax=ax, node_size=sizes, node_color=colours, cmap="tab20", alpha=0.9
        )
        nx.draw_networkx_labels(graph, positions, ax=ax, font_size=7)
        ax.set_title(title)
        ax.set_axis_off()
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, bbox_inches="tight")
        return buffer.getvalue()
    finally:
        plt.close(fig)
