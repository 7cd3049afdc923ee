"""The card list's Excel export as a finance clerk opens it (issue 19): title, scope and conditions,
a frozen header with its filter, money and dates in their formats, formula-like text kept as text.
The kernel's sheet layout is tested in core/tests/test_exports.py; this is the assets list through it."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from jiguan.assets import services as asset_services
from jiguan.core.context import acting_as
from jiguan.core.tests.test_exports import EXPORT_TIME, column_of, sheet

pytestmark = pytest.mark.django_db


def test_asset_export_opens_with_title_scope_frozen_header_and_formats(users, tree, client_for):
    with acting_as(users["prov_assets"]):
        for name, value in (('=HYPERLINK("http://x","y")', "1234567.80"), ("办公桌", "800.00")):
            asset_services.asset_register(
                owner_unit=tree.city_a_agency, count=1, on=date(2024, 1, 15), name=name, class_code="A02010105",
                original_value=Decimal(value), acquisition_method="purchase", acquired_on=date(2024, 1, 15),
                funding_source="fiscal", status="in_use")
    response = client_for(users["a_assets"]).get(reverse("assets:asset_list"), {
        "export": "xlsx", "status": "in_use", "owner": tree.city_a_agency.pk})
    assert response.status_code == 200
    ws = sheet(response.content)

    assert ws["A1"].value == "资产卡片" and ws["A1"].font.b and ws["A1"].font.sz > 11
    subtitle = ws["A2"].value
    assert subtitle.startswith("范围：甲市（含下级）；条件：")  # a_assets manages 甲市 and below
    assert "产权单位（含下级）：甲市机关事务管理局" in subtitle and "使用状态：在用" in subtitle
    assert EXPORT_TIME.search(subtitle), subtitle
    header = [c.value for c in ws[3]]
    assert header[:2] == ["资产编码", "资产名称"] and "原值（元）" in header
    assert all(c.font.b and c.fill.fgColor.rgb.endswith("D9D9D9") for c in ws[3])
    assert ws.freeze_panes == "A4"
    last = ws.cell(row=3, column=len(header)).column_letter
    assert ws.max_row == 5 and ws.auto_filter.ref == f"A3:{last}5"  # the header and both cards

    money = {c.value: c.number_format for c in column_of(ws, "原值（元）")}
    assert money == {1234567.8: "#,##0.00", 800: "#,##0.00"}
    acquired = column_of(ws, "取得日期")
    assert {(c.value, c.number_format) for c in acquired} == {(datetime(2024, 1, 15), "yyyy-mm-dd")}
    names = {c.value: c for c in column_of(ws, "资产名称")}
    formula = names['=HYPERLINK("http://x","y")']
    assert (formula.data_type, formula.quotePrefix) == ("s", True)
    assert names["办公桌"].quotePrefix is False
    # Wide enough for its header: 原值（元） is 10 columns of CJK text.
    assert ws.column_dimensions[column_of(ws, "原值（元）")[0].column_letter].width >= 12
