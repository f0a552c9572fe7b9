"""The settings as a fresh process reads them from an environment (the settings tests')."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_python(code, env, tmp_path, *args):
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "ldn_journal.settings",
        "LDN_VAR_DIR": str(tmp_path / "var"),
    }
    return subprocess.run(
        [sys.executable, *(["-c", code] if code else []), *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_json(expression, env, tmp_path):
    """The JSON of a Python expression over the settings, read in a fresh process."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({expression}))"
    )
    result = run_python(code, env, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def read_settings(env, tmp_path, *names):
    return settings_json(
        f"{{n: str(getattr(settings, n)) for n in {list(names)!r}}}", env, tmp_path
    )
