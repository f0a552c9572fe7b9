"""Fail when the lock files no longer match pyproject.toml (run by `make lint`, offline).

pyproject.toml says what the project needs; requirements.lock (what production installs) and
requirements-dev.lock (that plus the dev extra, for `make install` and CI) pin every
transitive dependency with its hashes. The locks are stale when a dependency of pyproject.toml
is missing from them or locked at a version its specifier refuses, when a lock still pins as
a direct dependency something pyproject.toml no longer names, or when the two locks disagree
about a version. Re-lock with `make lock`.

Usage: python .ci/check_lock.py [ROOT]   (exit 0 when current, 1 with the reasons when stale)
"""

import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT_MARK = "(pyproject.toml)"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def read_lock(text):
    """{name: (version, direct)}: `direct` when pip-compile noted it as via pyproject.toml."""
    pins, current = {}, None
    for line in text.splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            pins[current] = [match.group(2), False]
        elif current and line.lstrip().startswith("#") and PROJECT_MARK in line:
            pins[current][1] = True
    return {name: tuple(value) for name, value in pins.items()}


def requirements(pyproject, extras=()):
    project = tomllib.loads(pyproject)["project"]
    lines = list(project.get("dependencies", []))
    for extra in extras:
        lines += project.get("optional-dependencies", {}).get(extra, [])
    return {canonicalize_name(r.name): r for r in map(Requirement, lines)}


def problems(pyproject, lock_text, lock_name, extras=()):
    wanted = requirements(pyproject, extras)
    pins = read_lock(lock_text)
    found = []
    for name, requirement in sorted(wanted.items()):
        if name not in pins:
            found.append(f"{lock_name}: {requirement} is in pyproject.toml but not locked")
        elif not requirement.specifier.contains(pins[name][0], prereleases=True):
            found.append(
                f"{lock_name}: {name}=={pins[name][0]} does not satisfy pyproject.toml's "
                f"{requirement}"
            )
    for name, (version, direct) in sorted(pins.items()):
        if direct and name not in wanted:
            found.append(
                f"{lock_name}: {name}=={version} is locked as a dependency of pyproject.toml, "
                "which no longer names it"
            )
    return found


def check(root):
    pyproject = (root / "pyproject.toml").read_text()
    runtime = (root / "requirements.lock").read_text()
    dev = (root / "requirements-dev.lock").read_text()
    found = problems(pyproject, runtime, "requirements.lock")
    found += problems(pyproject, dev, "requirements-dev.lock", extras=("dev",))
    dev_pins = read_lock(dev)
    for name, (version, _) in sorted(read_lock(runtime).items()):
        if name in dev_pins and dev_pins[name][0] != version:
            found.append(
                f"requirements-dev.lock pins {name}=={dev_pins[name][0]} but "
                f"requirements.lock pins {version}"
            )
    return found


def main(argv):
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    found = check(root)
    if found:
        print("The lock files are stale; run `make lock` and commit the result:")
        for problem in found:
            print("  - " + problem)
        return 1
    print("Lock files match pyproject.toml.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
