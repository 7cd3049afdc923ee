"""Lists that fit (issue 19): the card list shows eight columns by default, the user chooses others
(列设置, saved per user and page), sortable headers sort on indexed columns and keep the filters,
ticked rows are exported alone (导出所选) and go to the transfer form, and an empty list says why."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db

LIST = "/assets/"
DEFAULT = ["资产编码", "资产名称", "资产分类", "使用单位/部门", "使用人", "使用状态", "原值（元）", "净值（元）"]


def headers(html: str) -> list[str]:
    head = html.split('id="asset-table"')[1].split("</thead>")[0]
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)
            if "全选本页" not in cell]


def codes(html: str) -> list[str]:
    return re.findall(r'class="cell-link"><a href="/assets/\d+/">([^<]+)</a>', html)


@pytest.fixture
def cards(tree, users, register):
    made = [register(tree.city_a_agency, name=name, acquired_on=day, original_value=Decimal(value),
                     location="3 楼 301 室")
            for name, day, value in (("台式计算机", date(2024, 3, 1), "6000"), ("打印机", date(2023, 5, 2), "2500"),
                                     ("笔记本电脑", date(2025, 1, 9), "8000"))]
    return made


def test_eight_columns_by_default_and_a_user_chooses_others(cards, users, client_for):
    client = client_for(users["a_assets"])
    html = client.get(LIST).content.decode()
    assert headers(html) == DEFAULT and "3 楼 301 室" not in html
    assert 'id="column-chooser"' in html and 'value="location"' in html

    response = client.post(reverse("list_columns"), {
        "view": "assets:asset_list", "next": LIST,
        "columns": ["code", "name", "location", "user", "status_html", "original_value_html", "acquired_on"]})
    assert response.status_code == 302 and response["Location"] == LIST
    html = client.get(LIST).content.decode()
    assert headers(html) == ["资产编码", "资产名称", "使用人", "存放地点", "使用状态", "原值（元）", "取得日期"]
    assert "3 楼 301 室" in html and "已保存显示的列。" in html
    # Another user still sees the defaults; the link column cannot be left out.
    assert headers(client_for(users["prov_assets"]).get(LIST).content.decode()) == DEFAULT
    client.post(reverse("list_columns"), {"view": "assets:asset_list", "columns": ["name"]})
    assert headers(client.get(LIST).content.decode()) == ["资产编码", "资产名称"]

    # 恢复默认, and what is refused.
    client.post(reverse("list_columns"), {"view": "assets:asset_list", "reset": "1", "columns": ["name"]})
    assert headers(client.get(LIST).content.decode()) == DEFAULT
    response = client.post(reverse("list_columns"), {"view": "assets:asset_list", "columns": ["secret"], "next": LIST},
                           follow=True)
    assert "没有这些列：secret。" in response.content.decode()
    response = client.post(reverse("list_columns"), {"view": "no:such", "columns": ["name"]}, follow=True)
    assert "该页面不能设置显示的列。" in response.content.decode()


def test_sortable_headers_sort_keep_the_filters_and_say_the_direction(cards, users, client_for):
    client = client_for(users["a_assets"])
    by_id = codes(client.get(LIST).content.decode())
    assert by_id == [cards[2].code, cards[1].code, cards[0].code]     # newest first by default
    html = client.get(LIST, {"sort": "code", "status": "in_use"}).content.decode()
    assert codes(html) == sorted(by_id)
    assert 'aria-sort="ascending"' in html
    assert 'href="?sort=-code&amp;status=in_use"' in html or 'href="?status=in_use&amp;sort=-code"' in html
    html = client.get(LIST, {"sort": "-acquired_on"}).content.decode()   # not shown, still sortable by URL
    assert codes(html) == [cards[2].code, cards[0].code, cards[1].code]
    names = re.findall(r'<td data-label="资产名称">([^<]+)</td>', client.get(LIST, {"sort": "name"}).content.decode())
    assert names == sorted(names)
    # An unknown or unsortable column is ignored, never an error: the default order.
    assert codes(client.get(LIST, {"sort": "original_value_html"}).content.decode()) == by_id
    assert codes(client.get(LIST, {"sort": "-'; drop"}).content.decode()) == by_id


def test_ticked_rows_are_exported_alone_and_open_the_transfer_form(cards, users, client_for):
    client = client_for(users["a_assets"])
    html = client.get(LIST).content.decode()
    assert 'id="bulk-form"' in html and html.count('name="ids"') == 3
    ticked = [cards[0].pk, cards[2].pk]
    response = client.get(LIST, {"ids": ticked, "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    exported = [row[0] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert sorted(exported) == sorted([cards[0].code, cards[2].code])
    form = client.get(reverse("assets:transfer_create"), {"ids": ticked}).content.decode()
    assert cards[0].code in form and cards[2].code in form and cards[1].code not in form


def test_an_empty_list_says_why_and_what_to_do(cards, users, client_for):
    client = client_for(users["a_assets"])
    html = client.get(LIST, {"q": "没有这种资产"}).content.decode()
    assert "没有符合筛选条件的记录。" in html and 'id="list-empty-clear"' in html
    html = client_for(users["b_assets"]).get(LIST).content.decode()
    assert "暂无记录。" in html and 'id="bulk-form"' not in html
