"""The import graph has no cycle: each module can be read after the ones it imports.

import-linter (`make lint`) checks the layers; this checks what layers cannot: that no two
modules anywhere import each other, directly or round a loop, even inside a function.
"""

import grimp

PACKAGES = ("patients", "prescriptions", "ldn_journal")


def import_cycles(graph) -> list[list[str]]:
    """Groups of modules that import each other round a loop: the strongly connected
    components of the import graph with more than one module."""
    modules = sorted(m for m in graph.modules if ".migrations." not in m)
    known = set(modules)
    edges = {m: graph.find_modules_directly_imported_by(m) & known for m in modules}
    reaches = {m: _reachable(m, edges) for m in modules}
    cycles, seen = [], set()
    for module in modules:
        if module in seen:
            continue
        group = sorted(other for other in reaches[module] if module in reaches[other])
        seen.update(group)
        if len(group) > 1:
            cycles.append(group)
    return cycles


def _reachable(start: str, edges: dict[str, set[str]]) -> set[str]:
    """Every module `start` imports, directly or through others (itself if on a loop)."""
    found, todo = set(), list(edges[start])
    while todo:
        module = todo.pop()
        if module not in found:
            found.add(module)
            todo.extend(edges[module])
    return found


def test_the_import_graph_has_no_cycle():
    assert import_cycles(grimp.build_graph(*PACKAGES)) == []


def test_the_cycle_finder_finds_a_loop_of_three():
    graph = grimp.ImportGraph()
    for name in ("a", "a.one", "a.two", "a.three", "a.four"):
        graph.add_module(name)
    graph.add_import(importer="a.one", imported="a.two")
    graph.add_import(importer="a.two", imported="a.three")
    graph.add_import(importer="a.three", imported="a.one")
    graph.add_import(importer="a.four", imported="a.one")
    assert import_cycles(graph) == [["a.one", "a.three", "a.two"]]
