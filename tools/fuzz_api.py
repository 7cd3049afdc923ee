"""Fuzz the REST API from its own OpenAPI document with schemathesis (`make fuzz`, CI step `fuzz`).

What `make demo` does, on a scratch JIGUAN_VAR_DIR and a free loopback port: migrate, load the demo
data, serve with runserver in the background. Then sign in through the API as a demo account with a
broad read/write scope (``POST /api/v1/auth/token/``) and run ``schemathesis run`` against the served
``/api/v1/schema/`` with that token. Reproducible: deterministic generation (the same test cases on
every run, no example database), one worker. Bounded: few examples per operation and an overall timeout.

Fails (exit 1) on any response that a check rejects:

- ``not_a_server_error``: a 5xx is always our defect;
- ``status_code_conformance``: every status code an operation answers is documented;
- ``response_schema_conformance`` and ``content_type_conformance``: every documented response
  matches its schema (the error body is ``{"error": {"code", "message", "fields"}}``).

When it fails, the tracebacks the server logged are printed after schemathesis' report, and the
reports (JUnit, the pytest file that reproduces each failure) are left in ``--report-dir``.

    .venv/bin/python tools/fuzz_api.py                 # what CI runs
    .venv/bin/python tools/fuzz_api.py --max-examples 50 --include-path-regex '^/api/v1/assets/'
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PYTHON = sys.executable

CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance"]
# A demo account with read/write access to every unit of the province (README: demo accounts).
ACCOUNT = "prov_assets"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(deadline: float, probe) -> bool:
    while time.monotonic() < deadline:
        try:
            if probe():
                return True
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.5)
    return False


def manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, text=True,
                            stdout=subprocess.PIPE if capture else None)
    return result.stdout or ""


def obtain_token(base: str, password: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/v1/auth/token/", method="POST",
        data=json.dumps({"username": ACCOUNT, "password": password}).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.load(response)
    token = body.get("token") or body.get("key")
    if not token:
        raise SystemExit(f"fuzz: POST /api/v1/auth/token/ gave no token: {body}")
    return token


REQUEST_LINE = re.compile(r'^\[[^]]+\] "(\S+) (\S+) [^"]*" (\d{3}) ')


def server_errors(log: Path) -> str:
    """Each distinct traceback the server logged for a 5xx, once, with the requests that raised it."""
    blocks: dict[str, list[str]] = {}
    requests: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in log.read_text(errors="replace").splitlines():
        match = REQUEST_LINE.match(line)
        if match and current is not None and match[3] >= "500":
            key = next((x for x in reversed(current) if x and not x.startswith(" ")), "?")
            blocks.setdefault(key, current)
            requests.setdefault(key, []).append(f"{match[1]} {match[2]} -> {match[3]}")
            current = None
        elif match:
            current = None
        elif line.startswith("Traceback (most recent call last)"):
            current = [line]
        elif current is not None:
            current.append(line)
    out = []
    for key, block in blocks.items():
        seen = requests[key]
        out.append(f"--- {key}\n    {len(seen)} request(s), e.g. {', '.join(seen[:3])}")
        for i, line in enumerate(block):  # the application's frames, each with its source line
            if line.startswith('  File "') and "/site-packages/" not in line:
                out.extend(block[i:i + 2])
        out.append(key)
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("FUZZ_MAX_EXAMPLES", 5)),
                        help="test cases per operation and phase (default 5, env FUZZ_MAX_EXAMPLES)")
    parser.add_argument("--timeout", type=int, default=int(os.environ.get("FUZZ_TIMEOUT", 1080)),
                        help="seconds schemathesis may run before it is stopped and the step fails (default 1080, inside .ci/run's 1200 s a step: schemathesis took 541 s on a lightly loaded 2-core machine)")
    parser.add_argument("--phases", default="examples,coverage,fuzzing",
                        help="schemathesis phases (default examples,coverage,fuzzing)")
    parser.add_argument("--checks", default=",".join(CHECKS), help="schemathesis checks")
    parser.add_argument("--report-dir", default=str(ROOT / "var" / "fuzz"),
                        help="where the JUnit report and the reproducing pytest file go (default var/fuzz)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch JIGUAN_VAR_DIR")
    args, extra = parser.parse_known_args()  # anything else goes to `schemathesis run` as it is

    var_dir = Path(tempfile.mkdtemp(prefix="jiguan-fuzz."))
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND",
                        "SECRET_KEY", "DEBUG"}}
    # What `make demo` runs: the development settings, the embedded SQLite under JIGUAN_VAR_DIR.
    env.update(JIGUAN_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="jiguan.config.settings.dev",
               PYTHONUNBUFFERED="1")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = var_dir / "server.log"
    server = None
    started = time.monotonic()
    try:
        print(f"fuzz: JIGUAN_VAR_DIR={var_dir} PORT={port}", flush=True)
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "load_demo", capture=True)
        password = manage(env, "shell", "--no-imports", "-v", "0", "-c",
                          "from django.conf import settings; print(settings.JIGUAN_DEMO_PASSWORD)",
                          capture=True).strip()
        print(f"fuzz: migrated and loaded the demo data in {time.monotonic() - started:.0f} s", flush=True)

        # DEBUG off for the server, as in production: errors answer through the error handlers (JSON
        # under /api/), not Django's technical pages.
        with log.open("w") as out:
            server = subprocess.Popen([PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                                      cwd=ROOT, env={**env, "DEBUG": "0"}, stdout=out, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        if not wait_until(time.monotonic() + 60,
                          lambda: urllib.request.urlopen(f"{base}/healthz", timeout=5).status == 200):
            print(log.read_text(errors="replace"))
            raise SystemExit("fuzz: /healthz did not answer within 60 s")
        token = obtain_token(base, password)
        print(f"fuzz: serving at {base}, API token of {ACCOUNT} obtained", flush=True)

        report_dir = Path(args.report_dir)
        shutil.rmtree(report_dir, ignore_errors=True)
        report_dir.mkdir(parents=True)
        config = var_dir / "schemathesis.toml"
        # The coverage phase's requests with methods no operation has (TRACE, QUERY, …) and duplicated
        # query parameters serve checks this step does not run: they would double its time.
        config.write_text("[phases.coverage]\nunexpected-methods = []\n"
                          "generate-duplicate-query-parameters = false\n")
        command = [
            str(BIN / "schemathesis"), "--config-file", str(config), "run", f"{base}/api/v1/schema/",
            "--header", f"Authorization: Token {token}",
            "--checks", args.checks,
            "--phases", args.phases,
            "--max-examples", str(args.max_examples),
            "--generation-deterministic",  # the same test cases on every run (no seed, no example database)
            "--workers", "1", "--request-timeout", "30", "--no-color",
            "--suppress-health-check", "all",
            "--report", "junit,pytest", "--report-dir", str(report_dir),
            # Revoking tokens would revoke the fuzzer's own one (the only token in the scratch database)
            # and leave every later request at 401.
            "--exclude-name", "DELETE /api/v1/auth/tokens/{id}/",
            *extra,
        ]
        shown = [("Authorization: Token ***" if part.startswith("Authorization:") else part) for part in command]
        print("fuzz:", " ".join(shown), flush=True)
        fuzz_started = time.monotonic()
        fuzzer = subprocess.Popen(command, cwd=var_dir, env=env)  # its cache (.schemathesis/) stays out of the tree
        try:
            rc = fuzzer.wait(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            # Interrupted, schemathesis still prints what it found so far.
            print(f"fuzz: schemathesis did not finish within {args.timeout} s: interrupting it", flush=True)
            fuzzer.send_signal(signal.SIGINT)
            try:
                fuzzer.wait(timeout=30)
            except subprocess.TimeoutExpired:
                fuzzer.kill()
                fuzzer.wait()
            rc = 124
        print(f"fuzz: schemathesis exit {rc} after {time.monotonic() - fuzz_started:.0f} s "
              f"({time.monotonic() - started:.0f} s in all)", flush=True)
        if rc != 0:
            errors = server_errors(log)
            if errors:
                print("\nfuzz: the server's tracebacks (application frames):\n" + errors)
        return 0 if rc == 0 else 1
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        if args.keep:
            print(f"fuzz: kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
