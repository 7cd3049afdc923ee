"""The class picker (资产分类选择, issue 19): GB/T 14885-2022 classes are picked by typing their name or
code, with their place in the tree; the register and configuration forms and the card list filter hold
the chosen class only, never the table of classes."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jiguan.assets.models import Asset
from jiguan.assets.services import CLASS_TABLE
from jiguan.standards.models import Confidence, StandardEntry, StandardTable

from .test_views import register_data, text

pytestmark = pytest.mark.django_db

PICK = "assets:class_pick"
DESKTOP_PATH = "设备 / 信息化设备 / 计算机 / 台式计算机"


def add_class(key, name, parent="", effective_from=date(2017, 1, 1), effective_to=None):
    return StandardEntry.objects.create(table=StandardTable.objects.get(code=CLASS_TABLE), key=key, name=name,
                                        parent_key=parent, source="测试", confidence=Confidence.CONFIRMED,
                                        effective_from=effective_from, effective_to=effective_to)


def matches(client, q):
    response = client.get(reverse(PICK), {"q": q})
    assert response.status_code == 200
    return response.json()


def test_typing_tai_shi_finds_the_desktop_computer_with_its_path(users, client_for):
    body = matches(client_for(users["a_assets"]), "台式")
    assert body["results"][0] == {"id": "A02010105", "code": "A02010105", "label": "台式计算机",
                                  "path": DESKTOP_PATH}
    assert body["more"] is False


def test_the_characters_need_only_come_in_order(users, client_for):
    labels = [row["label"] for row in matches(client_for(users["a_assets"]), "台计")["results"]]
    assert labels == ["台式计算机"]


def test_a_code_prefix_lists_the_classes_under_it_in_code_order(users, client_for):
    rows = matches(client_for(users["a_assets"]), "a0201010")["results"]
    assert [row["code"] for row in rows] == ["A02010100", "A02010105", "A02010108"]
    assert rows[1]["path"] == DESKTOP_PATH


def test_an_empty_query_lists_the_top_classes(users, client_for):
    rows = matches(client_for(users["a_assets"]), "")["results"]
    assert {"设备", "家具和用具"} <= {row["label"] for row in rows}
    assert all(row["path"] == row["label"] for row in rows)  # the first level of the tree
    assert "台式计算机" not in {row["label"] for row in rows}


def test_at_most_twenty_classes_come_back_and_more_says_so(users, client_for):
    for n in range(25):
        add_class(f"A0299{n:04d}", f"测试分类{n:02d}", parent="A02000000")
    body = matches(client_for(users["a_assets"]), "测试分类")
    assert len(body["results"]) == 20 and body["more"] is True
    assert body["results"][0]["path"] == "设备 / 测试分类00"


def test_classes_not_in_force_today_are_not_offered(users, client_for):
    today = timezone.localdate()
    add_class("A02010197", "台式工作站", parent="A02010100", effective_to=today - timedelta(days=1))
    add_class("A02010198", "台式一体机", parent="A02010100", effective_from=today + timedelta(days=1))
    client = client_for(users["a_assets"])
    assert [row["label"] for row in matches(client, "台式")["results"]] == ["台式计算机"]
    assert [row["code"] for row in matches(client, "A0201019")["results"]] == []


def test_the_picker_is_for_signed_in_users_only(client):
    response = client.get(reverse(PICK), {"q": "台式"})
    assert response.status_code == 302 and "台式计算机" not in response.content.decode()


def test_the_register_form_no_longer_carries_the_table_of_classes(users, client_for):
    page = text(client_for(users["a_assets"]).get(reverse("assets:asset_create")))
    assert not re.search(r'<option value="A\d{8}"', page)
    assert "便携式计算机" not in page and "特种动植物" not in page
    assert 'id="id_class_code_text"' in page and reverse(PICK) in page


def test_posting_a_class_code_still_registers_and_the_chosen_class_shows_again(tree, users, client_for):
    client = client_for(users["a_assets"])
    response = client.post(reverse("assets:asset_create"), register_data(tree), follow=True)
    assert Asset.objects.get().class_code == "A02010105"
    # An invalid form shows the class chosen, by name and path, not its code alone.
    response = client.post(reverse("assets:asset_create"), register_data(tree, original_value="x"))
    page = text(response)
    assert 'value="台式计算机"' in page and f"A02010105 {DESKTOP_PATH}" in page


def test_a_code_not_in_force_is_refused_with_the_chinese_error(tree, users, client_for):
    add_class("A02010197", "台式工作站", parent="A02010100", effective_to=timezone.localdate() - timedelta(days=1))
    client = client_for(users["a_assets"])
    for code in ("A02010197", "A09999999"):
        response = client.post(reverse("assets:asset_create"), register_data(tree, class_code=code))
        assert response.status_code == 200 and "选择一个有效的选项" in text(response)
    assert not Asset.objects.exists()


def test_the_configuration_form_picks_its_class_too(users, client_for):
    page = text(client_for(users["a_assets"]).get(reverse("assets:configuration_create")))
    assert 'id="id_class_code_text"' in page
    assert not re.search(r'<option value="A\d{8}"', page)


def test_the_list_filter_shows_the_chosen_class_and_keeps_its_subtree(tree, register, users, client_for):
    register(tree.city_a_agency, name="甲台式机")
    register(tree.city_a_agency, name="甲办公桌", class_code="A05010000")
    page = text(client_for(users["a_assets"]).get(reverse("assets:asset_list"), {"class_code": "A02010000"}))
    assert "甲台式机" in page and "甲办公桌" not in page
    assert 'value="信息化设备"' in page and "A02010000 设备 / 信息化设备" in page
