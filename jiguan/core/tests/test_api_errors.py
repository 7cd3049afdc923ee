"""Error answers of the API: JSON before a view is reached too, and documented for every operation
(what the fuzzing step, tools/fuzz_api.py, checks from the served OpenAPI document)."""

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

ERROR_REF = {"$ref": "#/components/schemas/Error"}


@pytest.fixture
def api(users, api_client_for):
    return api_client_for(users["prov_assets"])


def test_an_api_url_that_matches_no_route_answers_the_json_error_body(api):
    # The path parameter is an integer: "0.5" matches no route, which answered Django's HTML page.
    response = api.get("/api/v1/assets/0.5/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"error": {"code": "not_found", "message": "记录不存在，或不在您的数据范围内。"}}


def test_a_body_with_too_many_fields_answers_400_with_the_json_error_body(api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    response = api.post("/api/v1/assets/transfers/", {"assets": list(range(1, 20)), "reason": "x"},
                        format="multipart")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "bad_request"


def test_a_page_that_matches_no_route_still_answers_the_html_page(client_for, users):
    response = client_for(users["prov_assets"]).get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_every_operation_documents_its_error_responses_with_the_error_body():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    detail = schema["components"]["schemas"]["ErrorDetail"]
    assert detail["required"] == ["code", "message"]
    assert set(detail["properties"]) >= {"code", "message", "fields"}

    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            secured = operation.get("security") != [{}]
            expected = {"401", "403"} if secured else set()
            if method in ("post", "put", "patch", "delete"):
                expected |= {"400", "409"} if secured else {"400"}
            if operation.get("parameters"):
                expected.add("404")
            responses = operation["responses"]
            # A view may document a code itself with a richer body (the import's 400 has report_url).
            lacking = sorted(code for code in expected if "application/json" not in
                             responses.get(code, {}).get("content", {}))
            if lacking:
                missing.append(f"{method.upper()} {path}: {', '.join(lacking)}")
    assert not missing, missing

    change = schema["paths"]["/api/v1/assets/{id}/"]["patch"]["responses"]
    assert {"200", "400", "401", "403", "404", "409", "415"} <= set(change)
    assert all(change[code]["content"]["application/json"]["schema"] == ERROR_REF
               for code in ("400", "401", "403", "404", "409", "415"))
