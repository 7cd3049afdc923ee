"""Fixtures and hooks for every app's tests. Browser fixtures live in jiguan/tests_browser/conftest.py.

* ``@pytest.mark.postgres_only``: the test needs PostgreSQL (real concurrent transactions, triggers,
  a second connection). On SQLite it is skipped with the reason; on PostgreSQL it runs. The one way
  to mark such a test: never ``skipif(connection.vendor ...)``.
* ``JIGUAN_FAIL_ON_SKIP=1`` (set by .ci/run's PostgreSQL run): a skipped test fails, so a test
  that silently stopped running cannot pass unnoticed.
"""

import os

import pytest
from django.test import Client
from rest_framework.test import APIClient

from jiguan.core.testing import build_tree, make_user


def pytest_collection_modifyitems(config, items):
    """Skip the ``postgres_only`` tests when the suite runs on SQLite."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason=f"postgres_only: needs PostgreSQL, this run is on {connection.vendor} "
                                   "(make test-pg runs it)")
    for item in items:
        if item.get_closest_marker("postgres_only"):
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With JIGUAN_FAIL_ON_SKIP=1, a skip (a mark, ``pytest.skip()`` in a test or fixture) fails."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail") and os.environ.get("JIGUAN_FAIL_ON_SKIP") == "1":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped, and JIGUAN_FAIL_ON_SKIP=1 allows no skip: {reason}"


@pytest.fixture
def tree(db):
    return build_tree()


@pytest.fixture
def users(tree):
    """One user per built-in role, plus asset managers of city A, city B and one agency."""
    p = tree
    return {
        "sysadmin": make_user("sysadmin", p.prov_agency, [("system_admin", p.province, True)]),
        "secadmin": make_user("secadmin", p.prov_agency, [("security_admin", p.province, True)]),
        "auditor": make_user("auditor", p.prov_agency, [("audit_admin", p.province, True)]),
        "prov_assets": make_user("prov_assets", p.prov_agency, [("asset_manager", p.province, True)]),
        "a_assets": make_user("a_assets", p.city_a_dept, [("asset_manager", p.city_a, True)]),
        "b_assets": make_user("b_assets", p.city_b_dept, [("asset_manager", p.city_b, True)]),
        "staff": make_user("staff", p.city_a_dept, [("staff", p.city_a_dept, False)]),
    }


def _client_for(user):
    client = Client()
    client.force_login(user)
    return client


def _api_client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def client_for():
    return _client_for


@pytest.fixture
def api_client_for():
    return _api_client_for


@pytest.fixture(autouse=True)
def _clear_cache():
    """Login counters for unknown usernames live in the cache: every test starts clean."""
    from django.core.cache import cache

    cache.clear()
    yield
