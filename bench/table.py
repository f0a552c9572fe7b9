"""`python -m bench.table [BEFORE.json] AFTER.json`: the page benchmark's figures as a Markdown
table (bench/README.md keeps one per measured commit), before and after when given two runs.
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


if __name__ == "__main__":
    paths = sys.argv[1:]
    if len(paths) not in (1, 2):
        raise SystemExit("usage: python -m bench.table [BEFORE.json] AFTER.json")
    print(table(paths[-1], paths[0] if len(paths) == 2 else None))
