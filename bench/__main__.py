"""`make bench` / `python -m bench [pages] [reminders]`: run the benchmarks, each in its own
process (each recreates the bench database and sets up Django with its own settings).

With no argument both run, pages first. See bench/README.md.
"""

import subprocess
import sys

from bench.harness import ROOT

SUITES = {"pages": "bench.pages", "reminders": "bench.reminders"}


def main(argv):
    chosen = argv or list(SUITES)
    unknown = [name for name in chosen if name not in SUITES]
    if unknown:
        raise SystemExit(f"bench: unknown suite {unknown}; choose from {', '.join(SUITES)}")
    for name in chosen:
        print(f"== bench: {name} ==", flush=True)
        done = subprocess.run([sys.executable, "-m", SUITES[name]], cwd=ROOT, check=False)
        if done.returncode:
            raise SystemExit(done.returncode)


if __name__ == "__main__":
    main(sys.argv[1:])
