"""Walking `derived_from` and `parent_id` chains: one walk serves the roots of republications,
the first publication behind a source, the bodies an entity belongs to and cycle detection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


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


def root_within(parents: Mapping[str, str], node: str) -> str:
    """The last ancestor of `node` that is itself a key of `parents` (`node` when none is): the
    original a citation names, among the sources an edition's bibliography holds."""
    known = [n for n in chain(parents, node)[0] if n in parents]
    return known[-1] if known else node


def lines(source_ids: Iterable[str], parents: Mapping[str, str]) -> list[tuple[str, list[str]]]:
    """Cited sources grouped by line of reporting: [(original, [relays cited, in their order])], the
    lines in order of their original. An original cited itself heads its line and is not listed
    again among its relays; a source with no known original is a line of its own."""
    grouped: dict[str, list[str]] = {}
    for source in dict.fromkeys(s for s in source_ids if s):
        root = root_within(parents, source)
        grouped.setdefault(root, [])
        if source != root:
            grouped[root].append(source)
    return sorted(grouped.items())


def descendants(parents: Mapping[str, str]) -> dict[str, list[str]]:
    """Each node with every node below it (its republications and theirs), in sorted order; nodes
    nothing derives from are left out."""
    below: dict[str, set[str]] = {}
    for node in parents:
        for ancestor in chain(parents, node)[0][1:]:
            below.setdefault(ancestor, set()).add(node)
    return {node: sorted(found) for node, found in below.items()}
