"""Test settings: the same as production in behaviour, faster password hashing."""

import os

os.environ.setdefault("JIGUAN_TESTING", "1")

from jiguan.audit.keys import DEV_KEY

from .base import *  # noqa: F403
from .base import DATABASES, INSTALLED_APPS, JIGUAN_PRIVATE_ROOT, MEDIA_ROOT, env_bool

# The kernel's example module (a key register and its handover document, built only from kernel
# declarations): installed for the tests only, never in production or the OpenAPI document.
INSTALLED_APPS = [*INSTALLED_APPS, "jiguan.kernel_example"]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False
JIGUAN_DEMO = True  # tests load the demo data; the guard's own test turns this off
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": None}  # in memory
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tasks run in the test process, unless a test starts a real worker (jiguan/core/tests/test_worker.py):
# that worker runs with CELERY_TASK_ALWAYS_EAGER=0, its broker from CELERY_BROKER_URL and its own queue.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("JIGUAN_TEST_CELERY_QUEUE", "celery")
CELERY_RESULT_EXPIRES = 600  # a test worker's results do not outlive the run for long
JIGUAN_AUDIT_KEYS = [DEV_KEY]  # a fixed key, so tests know it
# Tests run inside a transaction that never commits, so records are chained at once, inside it; the
# production path (sealing after commit) is tested in jiguan/audit/tests/test_sealing.py, and the
# browser tests (jiguan/tests_browser/conftest.py), whose live server commits, run it throughout.
JIGUAN_AUDIT_SEAL = os.environ.get("JIGUAN_AUDIT_SEAL", "in_transaction")
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Under pytest-xdist (make test runs the non-browser suite on two workers) each worker has its own
# test database, so ids repeat across workers: files kept by id get a folder per worker.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if _WORKER:
    JIGUAN_PRIVATE_ROOT = JIGUAN_PRIVATE_ROOT.parent / f"{JIGUAN_PRIVATE_ROOT.name}-{_WORKER}"
    MEDIA_ROOT = MEDIA_ROOT.parent / f"{MEDIA_ROOT.name}-{_WORKER}"
