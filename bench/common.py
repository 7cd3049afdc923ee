"""Shared by the generator and the harness: scales, database names, Django set-up.

Databases: PostgreSQL ``jiguan_bench_<scale>`` on the local server (``BENCH_PG_URL`` names the
server, default postgres://postgres@127.0.0.1:5432), SQLite ``var/bench/jiguan_bench_<scale>.sqlite3``.
Each process works on one database: Django's settings are read once, at set-up.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
RESULTS = Path(__file__).resolve().parent / "results"

SCALES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
ALIASES = {"smoke": "10k"}
DATABASES = ("postgresql", "sqlite")
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
SEED = 20240808


def scale_name(value: str) -> str:
    value = ALIASES.get(value.lower(), value.lower())
    if value not in SCALES:
        raise SystemExit(f"unknown scale {value!r}: one of {', '.join([*SCALES, *ALIASES])}")
    return value


def database_url(db: str, scale: str) -> str:
    if db == "postgresql":
        return f"{PG_SERVER}/jiguan_bench_{scale}"
    if db == "sqlite":
        return f"sqlite:///{VAR / f'jiguan_bench_{scale}.sqlite3'}"
    raise SystemExit(f"unknown database {db!r}: one of {', '.join(DATABASES)}")


def setup(db: str, scale: str) -> None:
    """Production settings (DEBUG off, a SECRET_KEY, ALLOWED_HOSTS) on the bench database."""
    VAR.mkdir(parents=True, exist_ok=True)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url(db, scale)
    production_env(os.environ)
    import django

    django.setup()


def production_env(env) -> dict:
    env["DJANGO_SETTINGS_MODULE"] = "jiguan.config.settings.production"
    env.pop("DEBUG", None)
    env.setdefault("SECRET_KEY", "bench-" + secrets.token_hex(24))
    # A fixed audit key: the bench database is reused across runs and audit_verify checks it.
    env.setdefault("JIGUAN_AUDIT_KEY", "bench-audit-key-not-secret-0123456789abcdef")
    env["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    env["JIGUAN_VAR_DIR"] = str(VAR)
    env["STATIC_ROOT"] = str(VAR / "static")
    # The embedded SQLite default runs the app with one connection per request (CONN_MAX_AGE 0 is
    # forced for SQLite); PostgreSQL keeps its connections as in production.
    return env
