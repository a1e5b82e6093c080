"""Walking `derived_from` and `parent_id` chains: one walk serves the roots of republications,
the first publication behind a source, the bodies an entity belongs to and cycle detection."""

from __future__ import annotations

from collections.abc import Mapping


def chain(parents: Mapping[str, str], start: str) -> tuple[list[str], bool]:
    """`start`, its parent, its parent's parent, … until a node without a known parent; and whether
    the walk stopped because it came back to a node already on the chain (a cycle)."""
    walked, seen, node = [start], {start}, start
    while True:
        parent = parents.get(node) or ""
        if not parent or parent not in parents:
            if parent and parent not in seen:
                walked.append(parent)  # a parent outside the mapping ends the chain, but belongs to it
            return walked, False
        if parent in seen:
            return walked, True
        walked.append(parent)
        seen.add(parent)
        node = parent


def roots(parents: Mapping[str, str]) -> dict[str, str]:
    """Each node's last ancestor (itself when it has none): five republications of one BIRN story
    share one root, which is what makes them one independent line of reporting."""
    return {node: chain(parents, node)[0][-1] for node in parents}


def ancestry(parents: Mapping[str, str]) -> dict[str, list[str]]:
    """Each node with every node above it, itself first."""
    return {node: chain(parents, node)[0] for node in parents}
