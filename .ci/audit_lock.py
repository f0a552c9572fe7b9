"""Audit the locked dependencies for known vulnerabilities (pip-audit), run by `make test`.

Fails when pip-audit finds a vulnerability. When its vulnerability database cannot be
reached (no network, or a package mirror that does not serve PyPI's per-version JSON, so
every dependency comes back "could not be audited"), it says so and skips: that is not a
pass, and the printed reason says what was not checked.

Usage: python .ci/audit_lock.py [LOCK]   (default: requirements-dev.lock, a superset of
requirements.lock)
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_pip_audit(lock):
    pip_audit = Path(sys.executable).with_name("pip-audit")
    command = [
        str(pip_audit),
        "--requirement",
        str(lock),
        "--require-hashes",
        "--disable-pip",  # the lock pins everything: nothing to resolve or install
        "--progress-spinner",
        "off",
        "--format",
        "json",
    ]
    # A fixed command: the venv's own pip-audit and the project's lock file.
    return subprocess.run(command, capture_output=True, text=True, timeout=900)  # noqa: S603


def verdict(stdout, stderr):
    """(exit code, message) from pip-audit's answer (its JSON report, or what went wrong)."""
    try:
        report = json.loads(stdout)
    except ValueError:
        last = (stderr.strip().splitlines() or ["no output"])[-1]
        return 0, f"pip-audit skipped: its vulnerability database could not be fetched ({last})"
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    skipped = [d for d in dependencies if "skip_reason" in d]
    if dependencies and not audited:
        return 0, (
            f"pip-audit skipped: none of the {len(dependencies)} locked dependencies could be "
            f"audited ({skipped[0]['skip_reason']}); the vulnerability database is unreachable "
            "from here"
        )
    vulnerable = [d for d in audited if d.get("vulns")]
    lines = []
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            lines.append(f"  {dependency['name']} {dependency['version']}: {vuln['id']} ({fixes})")
    if skipped:
        names = ", ".join(d["name"] for d in skipped)
        lines.append(f"  not audited ({len(skipped)}): {names}")
    if vulnerable:
        return 1, "pip-audit found known vulnerabilities:\n" + "\n".join(lines)
    summary = f"pip-audit: {len(audited)} locked dependencies audited, no known vulnerabilities"
    return 0, "\n".join([summary, *lines])


def main(argv):
    lock = Path(argv[1]) if len(argv) > 1 else ROOT / "requirements-dev.lock"
    try:
        done = run_pip_audit(lock)
    except subprocess.TimeoutExpired:
        print("pip-audit skipped: its vulnerability database did not answer within 15 minutes")
        return 0
    code, message = verdict(done.stdout, done.stderr)
    print(message)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
