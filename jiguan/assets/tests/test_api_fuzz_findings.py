"""What the API fuzzing step (tools/fuzz_api.py, `make fuzz`) found in the assets API, through the API."""

import pytest

pytestmark = pytest.mark.django_db

DESKTOP = {"name": "台式计算机", "class_code": "A02010105", "original_value": "6000.00",
           "acquisition_method": "purchase", "acquired_on": "2024-01-15", "funding_source": "fiscal"}


@pytest.fixture
def api(users, api_client_for):
    return api_client_for(users["prov_assets"])


def test_a_change_answers_the_whole_card_even_without_department_user_or_keeper(api, tree):
    """A partial update (PATCH) answered without department_name, user_name and keeper_name when the
    card had none: DRF skips a field's default in a partial update. The OpenAPI document requires them."""
    created = api.post("/api/v1/assets/", {**DESKTOP, "owner_unit": tree.city_a_agency.pk}, format="json")
    assert created.status_code == 201, created.json()
    card = created.json()["results"][0]

    response = api.patch(f"/api/v1/assets/{card['id']}/", {"location": "三楼 301"}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["location"] == "三楼 301"
    assert {k: body.get(k, "missing") for k in ("department_name", "user_name", "keeper_name")} == {
        "department_name": None, "user_name": None, "keeper_name": None}
    assert set(body) == set(api.get(f"/api/v1/assets/{card['id']}/").json())
