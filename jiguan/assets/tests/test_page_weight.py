"""Pickers that scale to a province (issue 19, acceptance): a page weighs the same with 10,000 units as
with 10. The unit fields and filters, and the header's unit switcher, are pickers (org.picker): the
page holds a box and the chosen unit, never the list of units; the matches come as the user types.

The province of the benchmark has 10,025 units; here 10,000 are made at once (bulk_create) under 甲市:
2,000 agencies with four departments each."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiguan.org.models import OrgKind, OrgUnit

pytestmark = pytest.mark.django_db

MARGIN = 2048  # bytes: a count or a number may grow by a few digits, never by a list of units
AGENCIES, DEPARTMENTS_EACH = 2000, 4


def many_units(parent) -> int:
    """10,000 active units below ``parent`` in one insert per level, with real paths."""
    start = (OrgUnit.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    agencies = [OrgUnit(pk=start + i, parent=parent, kind=OrgKind.AGENCY, name=f"甲市第{i + 1}直属单位",
                        path=f"{parent.path}{start + i}/", depth=parent.depth + 1, sort_order=i)
                for i in range(AGENCIES)]
    OrgUnit.objects.bulk_create(agencies, batch_size=1000)
    next_pk = start + AGENCIES
    departments = []
    for agency in agencies:
        for j, name in enumerate(["办公室", "财务科", "资产管理科", "综合科"][:DEPARTMENTS_EACH]):
            departments.append(OrgUnit(pk=next_pk, parent=agency, kind=OrgKind.DEPARTMENT, name=name,
                                       path=f"{agency.path}{next_pk}/", depth=agency.depth + 1, sort_order=j))
            next_pk += 1
    OrgUnit.objects.bulk_create(departments, batch_size=2000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('org_orgunit', 'id'), %s)", [next_pk])
    return len(agencies) + len(departments)


def pages(tree):
    """(user, url) of pages with unit fields: the asset manager's, the system administrator's."""
    assets, org = "prov_assets", "sysadmin"
    return {
        "asset list": (assets, reverse("assets:asset_list")),
        "asset list filtered by a unit": (assets, f"{reverse('assets:asset_list')}?owner={tree.city_a_agency.pk}"),
        "register form": (assets, reverse("assets:asset_create")),
        "transfer form": (assets, reverse("assets:transfer_create")),
        "report": (assets, reverse("assets:report")),
        # The same rows both times (甲县 and its bureau), under the 所属上级 filter's picker.
        "unit list": (org, f"{reverse('org:unit_list')}?within={tree.county_a.pk}"),
        "new unit form": (org, f"{reverse('org:unit_create')}?parent={tree.city_a.pk}"),
        "new user form": (org, reverse("org:user_create")),
    }


def weigh(clients, urls) -> dict[str, int]:
    sizes = {}
    for name, (user, url) in urls.items():
        response = clients[user].get(url)
        assert response.status_code == 200, (name, response.status_code)
        html = response.content.decode()
        # The CSRF token is as long each time; the count of units in the unit list grows by digits.
        sizes[name] = len(re.sub(r"\d", "", html).encode())
    return sizes


def test_a_page_weighs_the_same_with_ten_thousand_units_as_with_ten(tree, users, client_for):
    clients = {name: client_for(users[name]) for name in ("prov_assets", "sysadmin")}
    client = clients["prov_assets"]
    assert OrgUnit.objects.count() == 11
    urls = pages(tree)
    few = weigh(clients, urls)
    assert 'id="unit-switcher"' in client.get(reverse("assets:asset_list")).content.decode()

    assert many_units(tree.city_a) == 10_000
    assert OrgUnit.objects.count() == 10_011
    with CaptureQueriesContext(connection) as queries:
        many = weigh(clients, urls)
    for name in urls:
        assert abs(many[name] - few[name]) <= MARGIN, (
            f"{name}: {few[name]:,} bytes with 11 units, {many[name]:,} with 10,011")
    assert len(queries) < 40 * len(urls)  # no query per unit either

    # And the pickers still find any of them: the 1,234th agency by name, its office by its path.
    response = client.get(reverse("org:unit_pick"), {"q": "甲市第1234直属"})
    assert response.json()["results"][0]["label"] == "甲市第1234直属单位"
    assert response.json()["results"][0]["path"] == "甲市 / 甲市第1234直属单位"
