"""Acceptance 4 of issue 3: the standards pages list the shipped standards with source and confidence."""

import re
from datetime import date
from decimal import Decimal

import pytest

from jiguan.standards.models import Confidence, StandardEntry, StandardTable
from jiguan.standards.selectors import standard_value

from .helpers import table_row_html


def rows_by_key(response):
    return {row["object"].key: row["object"] for row in response.context["rows"]}


def test_depreciation_page_lists_computers_6_years_and_vehicles_8_years(users, client_for):
    response = client_for(users["a_assets"]).get("/standards/tables/depreciation_life/")
    assert response.status_code == 200
    rows = rows_by_key(response)
    assert (rows["computer"].plain_value, rows["computer"].unit) == (Decimal("6"), "年")
    assert (rows["vehicle"].plain_value, rows["vehicle"].unit) == (Decimal("8"), "年")
    html = response.content.decode()
    for key, years in (("computer", "6"), ("vehicle", "8")):
        row = table_row_html(html, f"/keys/{key}/")
        assert re.search(rf"<td[^>]*>{years} 年</td>", row)
        assert "财会〔2017〕4号" in row
        assert 'title="原文确认 [C]">[C]</span>' in row
    assert "2017-01-01" in table_row_html(html, "/keys/computer/")  # in force from 2017-01-01


def test_special_equipment_ranges_are_stored_as_min_and_max(db):
    entry = standard_value("depreciation_life", "special_power", date(2025, 1, 1))
    assert (entry.plain_value, entry.plain_value2) == (Decimal("20"), Decimal("30"))
    assert standard_value("depreciation_life", "special_police", date(2025, 1, 1)).confidence == Confidence.SECONDARY
    assert standard_value("depreciation_life", "furniture", date(2025, 1, 1)).plain_value == 15


def test_office_area_page_lists_county_zhengke_18_square_metres(users, client_for):
    response = client_for(users["staff"]).get("/standards/tables/office_area/", {"q": "county"})
    assert response.status_code == 200
    rows = rows_by_key(response)
    zhengke = rows["county.zhengke"]
    assert (zhengke.name, zhengke.plain_value, zhengke.unit) == ("正科级", Decimal("18"), "m²")
    row = table_row_html(response.content.decode(), "/keys/county.zhengke/")
    assert re.search(r"<td[^>]*>18 m²</td>", row)
    assert "《党政机关办公用房建设标准》（2014）" in row
    assert 'title="二手来源 [S]">[S]</span>' in row
    # The central row is confirmed in the primary text; the others are secondary.
    assert standard_value("office_area", "central.minister", date(2025, 1, 1)).confidence == Confidence.CONFIRMED


@pytest.mark.parametrize(("table", "key", "value", "unit", "confidence"), [
    ("energy_factor", "electricity", "0.1229", "kgce/kWh", "C"),
    ("energy_factor", "heat", "0.0341", "tce/GJ", "S"),
    ("vehicle_cap", "confidential_comm", "120000", "元", "S"),
    ("office_equipment_config", "desktop", "5000", "元", "S"),
    ("depreciation_life", "building_steel", "50", "年", "C"),
])
def test_shipped_values(db, table, key, value, unit, confidence):
    entry = standard_value(table, key, date(2025, 6, 1))
    assert (entry.plain_value, entry.unit, entry.confidence) == (Decimal(value), unit, confidence)


def test_two_valued_standards(db):
    car = standard_value("vehicle_cap", "confidential_comm", date(2025, 6, 1))
    assert (car.plain_value2, car.unit2) == (Decimal("1.6"), "L")
    copier = standard_value("office_equipment_config", "copier", date(2025, 6, 1))
    assert (copier.plain_value, copier.plain_value2, copier.attrs) == (Decimal("35000"), Decimal("6"),
                                                                       {"pages": 300000})


def test_every_shipped_row_has_source_confidence_and_date(db):
    assert StandardTable.objects.count() >= 15
    for table in StandardTable.objects.all():
        entries = list(table.entries.all())
        assert entries, table.code
        for entry in entries:
            assert entry.source and entry.confidence in Confidence.values, (table.code, entry.key)
            assert entry.version == 1 and entry.approved_by is None and entry.effective_to is None


def test_gbt14885_top_classes_and_branches(db):
    on = date(2023, 1, 1)
    top = StandardEntry.objects.in_force(on).filter(table__code="gbt14885", parent_key="")
    assert [e.name for e in top.order_by("key")] == ["房屋和构筑物", "设备", "文物和陈列品", "图书和档案",
                                                     "家具和用具", "特种动植物", "物资"]
    desktop = standard_value("gbt14885", "A02010105", on)
    assert (desktop.name, desktop.parent_key, desktop.confidence) == ("台式计算机", "A02010100", "?")
    assert standard_value("gbt14885", "A02010100", on).parent_key == "A02010000"
    # In force from the standard's own date.
    assert desktop.effective_from == date(2022, 12, 30)
    assert standard_value("gbt14885_2010", "2", on).attrs == {"maps_to": "A02000000"}


@pytest.mark.parametrize(("table", "names"), [
    ("acquisition_method", ["调剂", "购置", "建设", "租用", "接受捐赠"]),
    ("disposal_method", ["报废", "出售", "出让", "转让", "无偿划转", "对外捐赠", "置换", "报损核销"]),
])
def test_enumerations(db, table, names):
    entries = StandardEntry.objects.in_force(date(2025, 1, 1)).filter(table__code=table).order_by("sort_order")
    assert [e.name for e in entries] == names


def test_every_role_reads_the_standards_but_not_the_three_administrators_outside_configuration(
        users, approver, client_for):
    for name in ("staff", "a_assets", "prov_assets", "sysadmin"):
        assert client_for(users[name]).get("/standards/tables/office_area/").status_code == 200, name
    assert client_for(approver).get("/standards/tables/office_area/").status_code == 200
    for name in ("auditor", "secadmin"):
        assert client_for(users[name]).get("/standards/").status_code == 403, name


def test_table_list(users, client_for):
    response = client_for(users["staff"]).get("/standards/")
    assert response.status_code == 200
    tables = {row["object"].code: row["object"] for row in response.context["rows"]}
    assert {"gbt14885", "depreciation_life", "office_area", "vehicle_cap", "energy_factor",
            "office_equipment_config", "acquisition_method", "funding_source", "disposal_method",
            "scrapping_reason", "asset_status"} <= set(tables)
    assert tables["acquisition_method"].entries_in_force == 5
    assert "新建" not in response.content.decode()  # staff cannot add tables
    response = client_for(users["staff"]).get("/standards/", {"q": "depreciation"})
    codes = [row["object"].code for row in response.context["rows"]]
    # The search narrows the list (other modules may ship tables whose code matches too).
    assert "depreciation_life" in codes and all("depreciation" in code for code in codes)
