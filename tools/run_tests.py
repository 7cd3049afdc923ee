"""Run the test suite in two phases (make test, make test-pg):

1. every test not marked ``browser`` on ``--workers`` pytest-xdist workers, one test database each
   (test settings give each worker its own private-files folder: ids repeat across databases);
2. the browser tests in one process, after the rest: while Playwright's sync API is alive the
   process holds a running asyncio loop, which Django's ORM refuses (jiguan/tests_browser/conftest.py).

Usage: python tools/run_tests.py [--workers N] [--no-browser] [pytest arguments...]

The pytest arguments go to both phases (paths, -k, -x, -rs ...). A phase that collects nothing
(pytest's exit code 5: a path with no browser tests, say) is not a failure unless both collect
nothing. ``--workers 0`` runs phase 1 in this process, without xdist. The exit status is the first
failing phase's.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

NO_TESTS_COLLECTED = 5


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-browser", action="store_true")
    known, pytest_args = parser.parse_known_args(argv)
    pytest = [str(Path(sys.executable).with_name("pytest"))]

    phases = [("not browser", [*pytest, "-n", str(known.workers), "-m", "not browser", *pytest_args])]
    if not known.no_browser:
        phases.append(("browser", [*pytest, "-m", "browser", *pytest_args]))

    codes = []
    for name, command in phases:
        print(f"\n== tests ({name}): {' '.join(command[1:])}", flush=True)
        codes.append(subprocess.call(command))
    failing = [code for code in codes if code not in (0, NO_TESTS_COLLECTED)]
    if failing:
        return failing[0]
    if all(code == NO_TESTS_COLLECTED for code in codes):
        return NO_TESTS_COLLECTED
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
