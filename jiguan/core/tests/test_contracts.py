"""The contract bases (jiguan.core.testing.contracts) over the kernel's own org units, and proof that
the generated tests fail where they should: a view that forgets the scope, a list with an N+1, a write
that leaves no audit record. Modules apply the bases to their objects (assets/tests/test_contracts.py).
"""

from __future__ import annotations

import pytest

from jiguan.core.context import acting_as
from jiguan.core.testing import contracts
from jiguan.org.models import OrgUnit

pytestmark = pytest.mark.django_db

SYSADMIN_A = ("city_a_agency", [("system_admin", "city_a", True)])
STAFF_A = ("city_a_agency", [("staff", "city_a", True)])          # reads units, changes none
SYSADMIN_B = ("city_b_agency", [("system_admin", "city_b", True)])


class TestUnitPages(contracts.ViewContract):
    model = OrgUnit
    list_url, detail_url = "org:unit_list", "org:unit_detail"
    granted, write_denied, out_of_scope = SYSADMIN_A, STAFF_A, SYSADMIN_B


class TestUnitAPI(contracts.APIContract):
    model = OrgUnit
    basename = "orgunit"
    granted, write_denied, out_of_scope = SYSADMIN_A, STAFF_A, SYSADMIN_B
    not_offered = ("put", "delete")

    def create_data(self, env):
        return {"parent": env.unit.pk, "kind": "department", "name": "契约新设科"}

    def update_data(self, env, obj):
        return {"name": f"{obj.name}（更名）"}


def test_a_contract_declares_only_what_its_model_offers():
    """Tests without their prerequisites are not generated (no skips); the bases keep every test."""
    assert TestUnitPages.test_create_writes_one_audit_record is None      # no create_url
    assert TestUnitPages.test_update_writes_one_audit_record is None
    assert callable(TestUnitPages.test_list_hides_the_object_out_of_scope)
    assert callable(TestUnitAPI.test_update_writes_one_audit_record)
    assert callable(contracts.ViewContract.test_create_writes_one_audit_record)

    class NoScope(contracts.APIContract):
        model, basename, granted = OrgUnit, "orgunit", SYSADMIN_A

    assert NoScope.test_detail_out_of_scope_is_404 is None                 # no out_of_scope user
    assert NoScope.test_methods_not_offered_answer_405 is None
    assert callable(NoScope.test_detail_shows_the_object)


# The generated tests fail where they should ------------------------------------------------------


def run(contract_class, test: str, tree):
    """Run one generated test of ``contract_class`` as pytest would (the env fixture, then the test)."""
    contract = contract_class()
    env = contracts.Env(contract, tree)
    env.prepare()
    getattr(contract, test)(env)


class LeakyUnits(contracts.ViewContract):  # not collected: its tests are run below, expected to fail
    model = OrgUnit
    list_url, detail_url = "fake_leaky_list", "fake_leaky_detail"
    granted, out_of_scope = SYSADMIN_A, SYSADMIN_B


class CostlyUnits(contracts.ViewContract):
    model = OrgUnit
    list_url = "fake_costly_list"
    granted = SYSADMIN_A


@pytest.fixture
def fake_urls(settings):
    settings.ROOT_URLCONF = "jiguan.core.tests.test_scope_walk"  # the leaky and costly views over units


def test_a_view_that_forgets_the_scope_fails_its_contract(fake_urls, tree):
    for test in ("test_list_hides_the_object_out_of_scope", "test_export_holds_only_what_the_scope_allows",
                 "test_detail_out_of_scope_is_404"):
        with pytest.raises(AssertionError):
            run(LeakyUnits, test, tree)
    run(LeakyUnits, "test_list_shows_the_object_in_scope", tree)    # what it shows in scope is right


def test_a_list_with_an_n_plus_one_fails_its_contract(fake_urls, tree):
    with pytest.raises(AssertionError, match="N\\+1"):
        run(CostlyUnits, "test_list_queries_do_not_grow_with_the_rows", tree)


def test_a_write_without_its_audit_record_fails_its_contract(tree, monkeypatch):
    run(TestUnitAPI, "test_update_writes_one_audit_record", tree)
    monkeypatch.setattr("jiguan.org.services.audit.record_update", lambda obj, before, **kwargs: None)
    with pytest.raises(AssertionError, match="expected one update record on org.orgunit"):
        run(TestUnitAPI, "test_update_writes_one_audit_record", tree)


def test_a_write_by_the_wrong_actor_fails_its_contract(tree, monkeypatch):
    from jiguan.audit import services as audit

    real = audit.record

    def as_the_system(*args, **kwargs):
        with acting_as(None, channel="command"):
            return real(*args, **kwargs)

    monkeypatch.setattr(audit, "record", as_the_system)
    with pytest.raises(AssertionError, match="expected one create record"):
        run(TestUnitAPI, "test_create_writes_one_audit_record", tree)
