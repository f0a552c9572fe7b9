"""`python -m bench.table [BEFORE.json] AFTER.json`: the page benchmark's figures as a Markdown
table (bench/README.md keeps the current one), before and after when given two runs.

`python -m bench.table --gc RUN.json`: a run made with BENCH_GC_FREEZE=on,off, each page's
tails with the workers' gc.freeze() on and off, and each worker's memory after each.
"""

import json
import sys
from pathlib import Path


def _runs(path):
    data = json.loads(Path(path).read_text())
    rows = {}
    for page in data["pages"]:
        by_c = {run["concurrency"]: run for run in page["runs"]}
        rows[page["key"]] = (page, by_c)
    return data, rows


def _cell(run, what):
    if run is None or not run["requests"]:
        return "no request finished"
    if what == "times":
        return f"{run['p50_ms']:.0f} / {run['p95_ms']:.0f} / {run['p99_ms']:.0f} ms"
    if what == "median":
        return f"{run['p50_ms'] / max(run['floor_p50_ms'], 0.001):.1f}×"
    return f"{run['ratio_p95']:.1f}×"


def _describe(data):
    load = data["machine"]["load_average_at_start"][0], data["machine"]["load_average_at_end"][0]
    memory = data.get("server", {})
    return (
        f"commit `{data['commit']}`, {data['when']}, load average {load[0]:.1f} → {load[1]:.1f} "
        f"(1 min, start → end), workers {memory.get('memory_mib_at_start')} MiB at start, "
        f"{memory.get('memory_mib_at_end')} MiB after"
        + (
            f", {memory['worker_restarts_seen']} worker restarts seen"
            if "worker_restarts_seen" in memory
            else ""
        )
    )


def table(after_path, before_path=None):
    after, rows = _runs(after_path)
    before, old = _runs(before_path) if before_path else (None, {})
    lines = []
    if before:
        lines.append(f"Before: {_describe(before)}.  ")
    lines.append(f"{'After' if before else 'Run'}: {_describe(after)}.")
    lines.append("")
    head = ["page", "queries", "c=1 p50 / p95 / p99", "c=1 p95 ÷ floor", "c=1 p50 ÷ floor"]
    head += ["c=8 p95 ÷ floor"]
    if before:
        head += ["before: c=1 p50 / p95 / p99", "before: c=1 p95 ÷ floor"]
        head += ["before: c=1 p50 ÷ floor", "before: c=8 p95 ÷ floor"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("| " + " | ".join("---" for _ in head) + " |")
    for key, (page, by_c) in rows.items():
        cells = [
            page["page"],
            str(page["queries"]),
            _cell(by_c.get(1), "times"),
            _cell(by_c.get(1), "ratio"),
            _cell(by_c.get(1), "median"),
            _cell(by_c.get(8), "ratio"),
        ]
        if before:
            was = old.get(key, (None, {}))[1]
            cells += [
                _cell(was.get(1), "times") if was else "—",
                _cell(was.get(1), "ratio") if was else "—",
                _cell(was.get(1), "median") if was else "—",
                _cell(was.get(8), "ratio") if was else "—",
            ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _memory(server):
    by_pid = server.get("worker_memory_mib_at_end") or {}
    after = ", ".join(f"{mib}" for mib in by_pid.values()) or server.get("memory_mib_at_end")
    return f"{server.get('memory_mib_at_start')} MiB at start, [{after}] MiB after"


def gc_table(path):
    data = json.loads(Path(path).read_text())
    runs = {run["gc_freeze"]: run for run in data.get("runs", [])}
    if set(runs) != {"on", "off"}:
        raise SystemExit(f"{path}: not a BENCH_GC_FREEZE=on,off run")
    lines = [f"Run: {_describe(data)}.", ""]
    for mode in ("on", "off"):
        server = runs[mode]["server"]
        lines.append(f"- gc.freeze() {mode}: workers {_memory(server)}.")
    lines.append("")
    head = ["page", "c=1 p95 on / off", "c=1 p99 on / off", "c=8 p95 on / off"]
    head += ["c=8 p99 on / off", "c=1 p95 ÷ floor on / off"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("| " + " | ".join("---" for _ in head) + " |")
    off = {page["key"]: page for page in runs["off"]["pages"]}
    for page in runs["on"]["pages"]:
        on_c = {run["concurrency"]: run for run in page["runs"]}
        off_c = {run["concurrency"]: run for run in off.get(page["key"], {"runs": []})["runs"]}

        def pair(c, what, on_c=on_c, off_c=off_c):
            a, b = on_c.get(c), off_c.get(c)
            if not a or not b:
                return "—"
            if what == "ratio":
                return f"{a['ratio_p95']:.1f}× / {b['ratio_p95']:.1f}×"
            return f"{a[what]:.0f} / {b[what]:.0f} ms"

        lines.append(
            "| "
            + " | ".join(
                [
                    page["page"],
                    pair(1, "p95_ms"),
                    pair(1, "p99_ms"),
                    pair(8, "p95_ms"),
                    pair(8, "p99_ms"),
                    pair(1, "ratio"),
                ]
            )
            + " |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--gc"] and len(sys.argv) == 3:
        print(gc_table(sys.argv[2]))
        raise SystemExit(0)
    paths = sys.argv[1:]
    if len(paths) not in (1, 2):
        raise SystemExit("usage: python -m bench.table [BEFORE.json] AFTER.json")
    print(table(paths[-1], paths[0] if len(paths) == 2 else None))
