"""Bad input to the assets API is a 400 naming the field, never a 500 (issue 16, items 8 and 9):
ids past 64 bits in the card lists of transfers and disposals, and a card's ``custom`` that is not a
JSON object, sent as JSON, form-encoded or multipart."""

import json
from urllib.parse import urlencode

import pytest

from jiguan.assets.models import Asset, Disposal, Transfer

pytestmark = pytest.mark.django_db

BIG = 99999999999999999999  # > 2**64: SQLite raised OverflowError on it
OUT_OF_RANGE = f"第 1 项：编号 {BIG} 超出范围：编号是 1 至 9223372036854775807 之间的整数。"


@pytest.fixture
def api(users, api_client_for):
    return api_client_for(users["prov_assets"])


@pytest.fixture
def card(tree, register):
    return register(tree.city_a_agency)


@pytest.mark.parametrize("url, body", [
    ("/api/v1/assets/disposals/", {"method": "scrap", "reason_code": "damaged", "reason": "损坏"}),
    ("/api/v1/assets/transfers/", {"reason": "调剂"}),
])
def test_an_id_past_64_bits_in_a_card_list_is_a_400_naming_the_item(tree, api, card, url, body):
    body = {**body, "to_unit": tree.city_b_agency.pk, "assets": [BIG, card.pk, -1]}
    response = api.post(url, body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"]["assets"] == [
        OUT_OF_RANGE, "第 3 项：编号 -1 超出范围：编号是 1 至 9223372036854775807 之间的整数。"]
    assert not Disposal.objects.exists() and not Transfer.objects.exists()
    assert Asset.objects.get(pk=card.pk).status == "in_use"


def test_a_related_id_past_64_bits_is_not_found_not_a_500(api, card):
    response = api.patch(f"/api/v1/assets/{card.pk}/", {"user": BIG, "department": BIG}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"user", "department"}
    assert api.get(f"/api/v1/assets/?owner={BIG}").status_code == 400
    assert api.get(f"/api/v1/assets/{BIG}/").status_code == 404


BAD_CUSTOM = [([1, 2], "当前是数组"), ("abc", "当前是文字"), (7, "当前是数字"), ({"a": {"b": 1}}, "不能是数组或对象"),
              ({"a": [1]}, "不能是数组或对象")]


@pytest.mark.parametrize("value, problem", BAD_CUSTOM)
def test_a_json_custom_that_is_not_a_flat_object_is_refused_and_the_card_page_still_opens(
        users, api, card, client_for, value, problem):
    response = api.patch(f"/api/v1/assets/{card.pk}/", {"custom": value}, format="json")
    assert response.status_code == 400, response.content
    [message] = response.json()["error"]["fields"]["custom"]
    assert message.startswith("须为 JSON 对象") and problem in message
    assert Asset.objects.get(pk=card.pk).custom == {}
    assert client_for(users["prov_assets"]).get(f"/assets/{card.pk}/").status_code == 200


@pytest.mark.parametrize("text, problem", [("null", "当前为空值 null"), ("[1,2]", "当前是数组"), ('"abc"', "当前是文字"),
                                           ("abc", "有效的 JSON")])
@pytest.mark.parametrize("encoding", ["form", "multipart"])
def test_a_form_encoded_or_multipart_custom_that_is_not_an_object_is_a_400(api, card, text, problem, encoding):
    url = f"/api/v1/assets/{card.pk}/"
    if encoding == "form":
        response = api.patch(url, urlencode({"custom": text}), content_type="application/x-www-form-urlencoded")
    else:
        response = api.patch(url, {"custom": text}, format="multipart")
    assert response.status_code == 400, response.content
    [message] = response.json()["error"]["fields"]["custom"]
    assert problem in message
    assert Asset.objects.get(pk=card.pk).custom == {}


def test_a_flat_custom_object_is_stored_from_json_and_from_a_form(users, api, card, client_for):
    response = api.patch(f"/api/v1/assets/{card.pk}/", {"custom": {"asset_tag": "CW-0012", "floor": 3}},
                         format="json")
    assert response.status_code == 200 and response.json()["custom"] == {"asset_tag": "CW-0012", "floor": 3}
    response = api.patch(f"/api/v1/assets/{card.pk}/", {"custom": json.dumps({"asset_tag": "CW-0013"})},
                         format="multipart")
    assert response.status_code == 200 and Asset.objects.get(pk=card.pk).custom == {"asset_tag": "CW-0013"}
    page = client_for(users["prov_assets"]).get(f"/assets/{card.pk}/")
    assert page.status_code == 200 and "CW-0013" in page.content.decode()
