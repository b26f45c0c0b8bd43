"""Dependency graphs: cycle detection and topological order (pure, no database)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping

from django.utils.translation import gettext_lazy as _


def find_cycle(edges: Iterable[tuple[Hashable, Hashable]]) -> list | None:
    """A cycle in the directed graph of ``(before, after)`` edges as [n1, n2, ..., n1], or None."""
    graph: dict = defaultdict(list)
    for a, b in edges:
        graph[a].append(b)
        graph.setdefault(b, [])
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(graph, WHITE)
    for root in sorted(graph, key=str):
        if colour[root] != WHITE:
            continue
        stack = [(root, iter(graph[root]))]
        path = [root]
        colour[root] = GREY
        while stack:
            node, children = stack[-1]
            for child in children:
                if colour[child] == GREY:
                    return path[path.index(child) :] + [child]
                if colour[child] == WHITE:
                    colour[child] = GREY
                    path.append(child)
                    stack.append((child, iter(graph[child])))
                    break
            else:
                colour[node] = BLACK
                path.pop()
                stack.pop()
    return None


def format_cycle(cycle: list, names: Mapping | None = None) -> str:
    names = names or {}
    chain = " → ".join(str(names.get(n, n)) for n in cycle)
    return str(_("The dependencies form a cycle: %(chain)s") % {"chain": chain})


def topological_order(nodes: Iterable, edges: Iterable[tuple]) -> list:
    """Nodes in an order where every edge's source comes first (stable on input order)."""
    nodes = list(nodes)
    preds: dict = {n: set() for n in nodes}
    for a, b in edges:
        preds[b].add(a)
    done: list = []
    seen: set = set()
    while len(done) < len(nodes):
        progressed = False
        for n in nodes:
            if n not in seen and preds[n] <= seen:
                seen.add(n)
                done.append(n)
                progressed = True
        if not progressed:
            raise ValueError("cycle")
    return done
