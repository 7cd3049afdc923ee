"""Fixtures for every app's tests. Browser fixtures live in jiguan/tests_browser/conftest.py."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from jiguan.core.testing import build_tree, make_user


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
