"""Health check, the OpenAPI schema and docs, and the behaviour every API endpoint shares:
authentication errors, structured error bodies, pagination."""

import json
import re
from datetime import timedelta
from unittest import mock

import pytest
import yaml
from django.db import OperationalError, connection
from django.utils import timezone
from rest_framework.test import APIClient

from jiguan.audit import services as audit
from jiguan.audit.models import Action, AuditEvent
from jiguan.core.context import acting_as
from jiguan.org.models import OrgUnit, User

# Health ----------------------------------------------------------------------------------------


def test_healthz_reports_ok(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_needs_no_login_even_for_an_expired_password(users, client_for):
    User.objects.filter(pk=users["staff"].pk).update(password_changed_at=None)  # expired: pages redirect
    client = client_for(User.objects.get(pk=users["staff"].pk))
    assert client.get("/org/units/").status_code == 302
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}


def test_healthz_returns_503_naming_the_database_when_it_is_unreachable(db, client):
    secret = "could not connect to server at 10.0.0.5 (password=hunter2)"
    with mock.patch.object(connection, "cursor", side_effect=OperationalError(secret)) as cursor:
        response = client.get("/healthz")
    assert cursor.called
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "error"
    assert body.get("detail") == "OperationalError"
    # The reason names the failing part, never connection details.
    assert "hunter2" not in response.content.decode() and "10.0.0.5" not in response.content.decode()
    # Once the database is back, so is the health check.
    assert client.get("/healthz").status_code == 200


def test_healthz_returns_503_when_the_query_fails(db, client):
    broken = mock.MagicMock()
    broken.__enter__.return_value.execute.side_effect = OperationalError("server closed the connection")
    with mock.patch.object(connection, "cursor", return_value=broken):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error"


# Schema and docs -------------------------------------------------------------------------------


def test_schema_is_a_valid_openapi_3_document(db, client):
    from drf_spectacular.validation import validate_schema

    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert str(schema["openapi"]).startswith("3.")
    validate_schema(schema)  # the OpenAPI 3 JSON schema shipped with drf-spectacular
    assert schema["info"]["title"].startswith("Jiguan API")
    paths = schema["paths"]
    for path in ("/api/v1/org/units/", "/api/v1/org/units/{id}/", "/api/v1/org/units/{id}/move/",
                 "/api/v1/audit/events/", "/api/v1/audit/events/{id}/", "/api/v1/auth/token/"):
        assert path in paths, path
    # The audit log is read-only in the contract too.
    assert set(paths["/api/v1/audit/events/{id}/"]) - {"parameters"} == {"get"}
    assert "post" not in paths["/api/v1/audit/events/"]
    # Lists document the pagination parameters.
    params = {p["name"] for p in paths["/api/v1/org/units/"]["get"]["parameters"]}
    assert {"page", "page_size"} <= params
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("type") == "apiKey" and s.get("name") == "Authorization" for s in schemes.values())


def test_schema_is_also_served_as_json(db, client):
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    assert json.loads(response.content)["openapi"].startswith("3.")


def test_docs_page_uses_only_local_assets(db, client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "swagger-ui" in html
    refs = re.findall(r'<(?:script|link|img)\b[^>]*?\b(?:src|href)="([^"]*)"', html)
    assert refs, "the docs page loads no assets at all"
    for ref in refs:
        assert not re.match(r"(?i)(https?:)?//", ref), ref
        assert ref.startswith("/static/"), ref
    assert not re.search(r"(?i)\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", html)
    # The assets are really there (an offline government network cannot fetch them from a CDN).
    for ref in refs:
        asset = client.get(ref)
        assert asset.status_code == 200, ref
        body = b"".join(asset.streaming_content) if asset.streaming else asset.content
        assert len(body) > 100, ref
    assert '"/api/v1/schema/"' in html


# Authentication and error bodies ---------------------------------------------------------------


@pytest.mark.parametrize("method, url", [
    ("get", "/api/v1/org/units/"),
    ("get", "/api/v1/org/users/"),
    ("get", "/api/v1/audit/events/"),
    ("post", "/api/v1/org/units/"),
    ("get", "/api/v1/org/units/1/"),
])
def test_unauthenticated_api_calls_get_401_with_structured_error(db, method, url):
    response = getattr(APIClient(), method)(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"error": {"code": "not_authenticated", "message": "请先登录或提供有效的令牌。"}}


def test_unauthenticated_write_changes_nothing(tree):
    count = OrgUnit.objects.count()
    response = APIClient().post("/api/v1/org/units/", {"parent": tree.city_a.pk, "kind": "department",
                                                       "name": "偷偷建的科室"})
    assert response.status_code == 401
    assert OrgUnit.objects.count() == count


def test_invalid_token_is_refused_with_structured_error(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/org/units/")
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "authentication_failed"
    assert error["message"]


def test_expired_token_is_refused(users):
    from jiguan.org import services
    from jiguan.org.models import ApiToken

    token, key = services.apitoken_login_issue(user=users["sysadmin"])
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(days=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/org/units/")
    assert response.status_code == 401
    assert response.json()["error"] == {"code": "authentication_failed", "message": "令牌已过期，请重新获取。"}


def test_fresh_token_works(users, settings):
    # A token for the password alone: the three administrators' second factor (no token for a
    # password) is tested in jiguan/org/tests/test_otp.py.
    settings.JIGUAN_ADMIN_OTP = False
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "sysadmin", "password": "wrong"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid"
    response = client.post("/api/v1/auth/token/", {"username": "sysadmin",
                                                   "password": settings.JIGUAN_DEMO_PASSWORD})
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/org/units/").status_code == 200


def test_signed_in_user_without_permission_gets_403_with_structured_error(users, api_client_for):
    response = api_client_for(users["auditor"]).get("/api/v1/org/units/")
    assert response.status_code == 403
    assert response.json() == {"error": {"code": "permission_denied", "message": "您没有执行此操作的权限。"}}


def test_object_outside_scope_is_a_structured_404(users, tree, api_client_for):
    response = api_client_for(users["a_assets"]).get(f"/api/v1/org/units/{tree.city_b.pk}/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "记录不存在，或不在您的数据范围内。"}}


# Pagination ------------------------------------------------------------------------------------


def test_lists_are_paginated_and_page_size_is_honoured(users, api_client_for):
    client = api_client_for(users["sysadmin"])
    total = OrgUnit.objects.count()
    assert total == 11
    first = client.get("/api/v1/org/units/", {"page_size": 4}).json()
    assert set(first) == {"count", "count_exact", "next", "previous", "results"}
    assert first["count"] == total and first["count_exact"] is True
    assert len(first["results"]) == 4
    assert first["previous"] is None
    assert "page=2" in first["next"] and "page_size=4" in first["next"]
    last = client.get("/api/v1/org/units/", {"page_size": 4, "page": 3}).json()
    assert len(last["results"]) == 3 and last["next"] is None and last["previous"]
    seen = [u["id"] for page in (1, 2, 3)
            for u in client.get("/api/v1/org/units/", {"page_size": 4, "page": page}).json()["results"]]
    assert sorted(seen) == sorted(OrgUnit.objects.values_list("pk", flat=True))  # no row twice, none lost
    beyond = client.get("/api/v1/org/units/", {"page_size": 4, "page": 4})
    assert beyond.status_code == 404
    assert beyond.json()["error"]["code"] == "not_found"


def test_default_page_size_and_cap_at_500(users, api_client_for):
    with acting_as(None, channel="job"):
        for i in range(520):
            audit.record(Action.EXPORT, object_type_label="test.export", object_repr=f"第 {i} 次导出")
    total = AuditEvent.objects.count()
    assert total > 520
    client = api_client_for(users["auditor"])
    default = client.get("/api/v1/audit/events/").json()
    assert default["count"] == total and len(default["results"]) == 50
    capped = client.get("/api/v1/audit/events/", {"page_size": 10000}).json()
    assert capped["count"] == total
    assert len(capped["results"]) == 500
    assert capped["next"] is not None
    assert [e["id"] for e in capped["results"]] == list(range(total, total - 500, -1))  # newest first
