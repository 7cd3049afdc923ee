"""Test factories of the assets models (jiguan.core.testing.factories): the kernel's scope walk and list
query counts, and the contract tests, make cards and documents with these. Each goes through the
public API as the unit's asset manager would, so the factories hold whatever the services become."""

from __future__ import annotations

from django.utils import timezone
from rest_framework.test import APIClient

from jiguan.assets.models import (
    Asset,
    ConfigurationRequest,
    DepreciationEntry,
    DepreciationRun,
    Disposal,
    Transfer,
    ValueChange,
    period_label,
    period_of,
)
from jiguan.core.context import acting_as
from jiguan.core.testing import factories
from jiguan.core.testing.factories import person
from jiguan.workflow.tests.factories import flow_at

DESKTOP = {"name": "台式计算机", "class_code": "A02010105", "original_value": "6000.00",
           "acquisition_method": "purchase", "acquired_on": "2024-01-15", "funding_source": "fiscal"}
BUSINESS_TYPES = ["assets.transfer", "assets.disposal", "assets.purchase", "assets.value_change"]


def manager(unit):
    """The asset manager (资产管理员) of ``unit`` and its subtree."""
    return person(unit, "asset_manager")


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post(user, url: str, body: dict) -> dict:
    response = api_as(user).post(url, body, format="json")
    assert response.status_code in (200, 201), (url, response.status_code, response.json())
    return response.json()


def approvals_ready(unit) -> None:
    """Flows for the asset documents at the root (made once) and a leader of ``unit`` to decide."""
    root = factories.root_of(unit)
    for business_type in BUSINESS_TYPES:
        flow_at(root, business_type)
    person(unit, "unit_leader")


def receiving_unit(unit):
    """An institution (事业单位) below ``unit``: the receiving end of a transfer inside its subtree."""
    from jiguan.org import services
    from jiguan.org.demo import credit_code
    from jiguan.org.models import OrgKind, OrgUnit

    found = OrgUnit.objects.filter(parent=unit, kind=OrgKind.INSTITUTION, name__startswith="契约接收中心").first()
    if found is not None:
        return found
    region = unit.region_code or "350000"
    with acting_as(None, channel="command"):
        return services.orgunit_create(parent=unit, kind=OrgKind.INSTITUTION, name=f"契约接收中心{factories.serial()}",
                                       region_code=region, credit_code=credit_code(OrgKind.INSTITUTION, region,
                                                                                   7000 + factories.serial()))


def card_data(unit, **fields) -> dict:
    return {**DESKTOP, "owner_unit": unit.pk, **fields}


def standards_loaded() -> None:
    """The standards tables cards are checked against (GB/T 14885 classes, depreciation lives), as the
    migrations leave them: a transactional test elsewhere may have flushed them."""
    from django.apps import apps

    from jiguan.assets.standards_data import ensure
    from jiguan.standards.models import StandardEntry

    if not StandardEntry.objects.filter(table__code="gbt14885").exists():
        ensure(apps)


def make_card(unit, **fields) -> Asset:
    standards_loaded()
    body = post(manager(unit), "/api/v1/assets/", card_data(unit, **fields))
    return Asset.objects.get(pk=body["results"][0]["id"])


def transfer_data(unit, card=None) -> dict:
    card = card or make_card(unit)
    return {"assets": [card.pk], "to_unit": receiving_unit(unit).pk, "reason": "契约测试调剂"}


def make_transfer(unit) -> Transfer:
    approvals_ready(unit)
    return Transfer.objects.get(pk=post(manager(unit), "/api/v1/assets/transfers/", transfer_data(unit))["id"])


def disposal_data(unit, card=None) -> dict:
    card = card or make_card(unit)
    return {"assets": [card.pk], "method": "scrap", "reason_code": "obsolete", "reason": "契约测试报废"}


def make_disposal(unit) -> Disposal:
    approvals_ready(unit)
    return Disposal.objects.get(pk=post(manager(unit), "/api/v1/assets/disposals/", disposal_data(unit))["id"])


def value_change_data() -> dict:
    next_month = period_of(timezone.localdate()) + 1
    return {"delta": "1200.00", "on": f"{period_label(next_month)}-01", "reason": "契约测试加装内存"}


def make_value_change(unit) -> ValueChange:
    approvals_ready(unit)
    card = make_card(unit)
    body = post(manager(unit), f"/api/v1/assets/{card.pk}/value-adjust/", value_change_data())
    return ValueChange.objects.get(pk=body["id"])


def configuration_data(unit) -> dict:
    return {"unit": unit.pk, "item_name": "台式计算机", "class_code": "A02010105", "quantity": 1,
            "unit_price": "4800.00", "reason": "契约测试新进人员", "idle_reason": "闲置设备配置过低"}


def make_configuration(unit) -> ConfigurationRequest:
    approvals_ready(unit)
    body = post(manager(unit), "/api/v1/assets/configurations/", configuration_data(unit))
    return ConfigurationRequest.objects.get(pk=body["id"])


def run_data(unit, months_back: int = 1) -> dict:
    return {"unit": unit.pk, "period": period_label(period_of(timezone.localdate()) - months_back)}


def make_run(unit) -> DepreciationRun:
    """A run of another past month each time (a month run again is the same run)."""
    taken = DepreciationRun.objects.filter(unit=unit).count()
    body = post(manager(unit), "/api/v1/assets/depreciation/runs/", run_data(unit, months_back=1 + taken))
    return DepreciationRun.objects.get(pk=body["id"])


def make_entry(unit) -> DepreciationEntry:
    """A new card depreciated for last month (the month's run again: one more entry)."""
    last = period_of(timezone.localdate()) - 1
    card = make_card(unit, acquired_on=f"{period_label(last - 1)}-01")
    post(manager(unit), "/api/v1/assets/depreciation/runs/", run_data(unit, months_back=1))
    return DepreciationEntry.objects.get(asset=card, period=last)


def _number(doc) -> str:
    return doc.number


factories.register(Asset, make_card, marker=lambda card: card.code,
                   url_kwargs=lambda card: {"pk": card.pk, "code": card.code})
factories.register(Transfer, make_transfer, marker=_number)
factories.register(Disposal, make_disposal, marker=_number)
factories.register(ValueChange, make_value_change, marker=_number)
factories.register(ConfigurationRequest, make_configuration, marker=_number)
# A month reads the same on every city's pages: no leak check by it.
factories.register(DepreciationRun, make_run, marker=lambda run: run.period_label, leak_check=False)
factories.register(DepreciationEntry, make_entry, marker=lambda entry: entry.asset.code)
