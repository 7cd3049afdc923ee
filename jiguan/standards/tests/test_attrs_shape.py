"""A standard's 其他属性 (attrs) is a flat JSON object, one rule for the API, the form and the service
(issue 16, item 9): anything else is refused on the field, never stored."""

import pytest

from jiguan.standards.models import StandardChangeRequest

pytestmark = pytest.mark.django_db

PROPOSAL = {"table": "energy_factor", "key": "electricity", "value": "0.1230", "effective_from": "2027-01-01",
            "reason": "按新版 GB/T 2589 调整"}


@pytest.mark.parametrize("attrs, problem", [([1], "当前是数组"), ("abc", "当前是文字"), ({"a": {"b": 1}}, "不能是数组或对象")])
def test_the_api_refuses_attrs_that_are_not_a_flat_object(users, api_client_for, attrs, problem):
    response = api_client_for(users["sysadmin"]).post("/api/v1/standards/change-requests/",
                                                      {**PROPOSAL, "attrs": attrs}, format="json")
    assert response.status_code == 400, response.content
    [message] = response.json()["error"]["fields"]["attrs"]
    assert problem in message
    assert not StandardChangeRequest.objects.exists()


def test_the_api_accepts_booleans_as_the_shipped_tables_hold_them(users, api_client_for):
    response = api_client_for(users["sysadmin"]).post("/api/v1/standards/change-requests/", {
        **PROPOSAL, "attrs": {"depreciate": False, "pages": 300000}}, format="json")
    assert response.status_code == 201, response.content
    assert StandardChangeRequest.objects.get().attrs == {"depreciate": False, "pages": 300000}


@pytest.mark.parametrize("text, problem", [("null", "当前为空值 null"), ("[1, 2]", "当前是数组"), ('"abc"', "当前是文字")])
def test_the_form_shows_the_problem_under_the_field(users, client_for, text, problem):
    response = client_for(users["sysadmin"]).post("/standards/requests/new/", {
        **PROPOSAL, "name": "电力（当量值）", "unit": "kgce/kWh", "source": "GB/T 2589", "confidence": "C",
        "attrs": text})
    assert response.status_code == 200
    [message] = response.context["form"].errors["attrs"]
    assert problem in message
    assert not StandardChangeRequest.objects.exists()
