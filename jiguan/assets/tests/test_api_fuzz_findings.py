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


def test_an_upload_answers_and_downloads_as_its_openapi_document_says(api, tree, settings, tmp_path):
    """The upload (POST …/attachments/) answers a plain array, which the document called a page
    (PaginatedAssetAttachmentList); a PNG downloads as image/png, which it called application/octet-stream."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from drf_spectacular.generators import SchemaGenerator

    from .test_attachments import png_bytes

    settings.JIGUAN_PRIVATE_ROOT = tmp_path / "private"
    card = api.post("/api/v1/assets/", {**DESKTOP, "owner_unit": tree.city_a_agency.pk}, format="json")
    card_id = card.json()["results"][0]["id"]
    schema = SchemaGenerator().get_schema(request=None, public=True)

    response = api.post(f"/api/v1/assets/{card_id}/attachments/",
                        {"file": [SimpleUploadedFile("铭牌.png", png_bytes(), content_type="image/png")]},
                        format="multipart")

    assert response.status_code == 201, response.json()
    assert isinstance(response.json(), list) and response.json()[0]["filename"] == "铭牌.png"
    documented = schema["paths"]["/api/v1/assets/{id}/attachments/"]["post"]["responses"]["201"]
    assert documented["content"]["application/json"]["schema"]["type"] == "array"

    download = api.get(f"/api/v1/assets/{card_id}/attachments/{response.json()[0]['id']}/")
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    documented = schema["paths"]["/api/v1/assets/{id}/attachments/{attachment_pk}/"]["get"]["responses"]["200"]
    assert "image/png" in documented["content"]
