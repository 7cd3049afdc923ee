"""API tokens (API 令牌): only an SM3 digest is stored, an account holds several named tokens (one per
integrating system), each with its expiry and each revocable, through the API 令牌 page and the API;
``POST /api/v1/auth/token/`` no longer revokes the account's other tokens."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from jiguan.audit.models import Action, AuditEvent
from jiguan.core.testing import PASSWORD
from jiguan.org import services
from jiguan.org.models import ApiToken, User

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/auth/tokens/"
PAGE = "/account/tokens/"


def token_client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def issue(api, name, **extra):
    response = api.post(TOKENS, {"name": name, **extra}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_two_named_tokens_both_work_and_revoking_one_leaves_the_other(users, api_client_for):
    api = api_client_for(users["a_assets"])
    budget, finance = issue(api, "预算管理一体化系统"), issue(api, "财务系统", days=30)
    assert budget["token"] != finance["token"]
    assert (budget["status"], budget["status_display"], budget["is_named"]) == ("active", "有效", True)
    assert abs(timezone.now() + timedelta(days=30) - ApiToken.objects.get(pk=finance["id"]).expires_at) \
        < timedelta(minutes=1)
    for body in (budget, finance):
        assert token_client(body["token"]).get("/api/v1/org/units/").status_code == 200

    assert api.delete(f"{TOKENS}{budget['id']}/").status_code == 204
    refused = token_client(budget["token"]).get("/api/v1/org/units/")
    assert refused.status_code == 401
    assert refused.json() == {"error": {"code": "authentication_failed", "message": "令牌无效或已撤销。"}}
    assert token_client(finance["token"]).get("/api/v1/org/units/").status_code == 200
    listed = {row["name"]: row["status"] for row in api.get(TOKENS).json()["results"]}
    assert listed == {"预算管理一体化系统": "revoked", "财务系统": "active"}
    assert "token" not in api.get(TOKENS).json()["results"][0]


def test_a_sign_in_token_and_a_named_token_work_side_by_side(users, api_client_for):
    named = issue(api_client_for(users["a_assets"]), "采购系统")
    signed_in = APIClient().post("/api/v1/auth/token/", {"username": "a_assets", "password": PASSWORD},
                                 format="json").json()
    assert ApiToken.objects.get(pk=signed_in["id"]).name == "接口登录"
    for key in (named["token"], signed_in["token"]):
        assert token_client(key).get("/api/v1/org/units/").status_code == 200


def test_the_database_holds_no_plain_token(users, api_client_for):
    named = issue(api_client_for(users["a_assets"]), "预算管理一体化系统")["token"]
    signed_in = APIClient().post("/api/v1/auth/token/", {"username": "a_assets", "password": PASSWORD},
                                 format="json").json()["token"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM org_apitoken")
        stored = [str(value) for row in cursor.fetchall() for value in row]
        cursor.execute("SELECT * FROM audit_auditevent")
        stored += [str(value) for row in cursor.fetchall() for value in row]
    for plain in (named, signed_in):
        assert len(plain) >= 40  # 32 random bytes
        assert not any(plain in value for value in stored)
        token = ApiToken.objects.get(digest=ApiToken.digest_of(plain))
        assert token.hint == plain[:10] and len(token.digest) == 64


def test_an_expired_token_is_refused_with_the_structured_401(users, api_client_for):
    body = issue(api_client_for(users["a_assets"]), "预算管理一体化系统", days=1)
    ApiToken.objects.filter(pk=body["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = token_client(body["token"]).get("/api/v1/org/units/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"error": {"code": "authentication_failed", "message": "令牌已过期，请重新获取。"}}


def test_the_token_records_its_last_use(users, api_client_for):
    body = issue(api_client_for(users["a_assets"]), "预算管理一体化系统")
    assert ApiToken.objects.get(pk=body["id"]).last_used_at is None
    token_client(body["token"]).get("/api/v1/org/units/")
    used = ApiToken.objects.get(pk=body["id"]).last_used_at
    assert used is not None and timezone.now() - used < timedelta(minutes=1)


@pytest.mark.parametrize("payload, field, message", [
    ({"name": "财务系统", "days": 400}, "days", "请确保该值小于或者等于 366。"),
    ({"name": "财务系统", "days": 0}, "days", "请确保该值大于或者等于 1。"),
    ({"name": "  "}, "name", "该字段不能为空。"),
])
def test_bad_requests_are_400_with_the_field(users, api_client_for, payload, field, message):
    response = api_client_for(users["a_assets"]).post(TOKENS, payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"][field] == [message]
    assert not ApiToken.objects.exists()


def test_an_active_name_is_not_issued_twice(users, api_client_for):
    api = api_client_for(users["a_assets"])
    issue(api, "财务系统")
    response = api.post(TOKENS, {"name": "财务系统"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["name"] == ["已有名为“财务系统”的有效令牌，请换一个名称或先撤销它。"]


def test_each_account_sees_and_revokes_only_its_own_tokens(users, api_client_for):
    mine = issue(api_client_for(users["a_assets"]), "财务系统")
    theirs = api_client_for(users["b_assets"])
    assert theirs.get(TOKENS).json()["results"] == []
    assert theirs.get(f"{TOKENS}{mine['id']}/").status_code == 404
    assert theirs.delete(f"{TOKENS}{mine['id']}/").status_code == 404
    assert token_client(mine["token"]).get("/api/v1/org/units/").status_code == 200


def test_issuing_and_revoking_are_audited_without_the_token(users, api_client_for):
    api = api_client_for(users["a_assets"])
    body = issue(api, "财务系统", days=30)
    api.delete(f"{TOKENS}{body['id']}/")
    issued = AuditEvent.objects.get(action=Action.TOKEN, object_type="org.apitoken")
    revoked = AuditEvent.objects.get(action=Action.TOKEN_REVOKE)
    assert issued.actor == revoked.actor == users["a_assets"]
    assert issued.message == "签发 API 令牌“财务系统”，有效期 30 天"
    assert revoked.message == "撤销 API 令牌“财务系统”"
    assert body["token"] not in str(issued.after) + str(revoked.before)


# The page (API 令牌, in the account menu) ---------------------------------------------------------


def test_the_page_issues_shows_once_and_revokes(users, client_for):
    client = client_for(users["a_assets"])
    assert f'href="{PAGE}"' in client.get("/").content.decode()  # the account menu
    page = client.get(PAGE)
    assert page.status_code == 200 and "签发新令牌" in page.content.decode()

    response = client.post(PAGE, {"name": "预算管理一体化系统", "days": 90})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    plain = response.context["issued"]["plain"]
    html = response.content.decode()
    assert "已签发令牌“预算管理一体化系统”，请立即复制保存" in html and plain in html
    assert token_client(plain).get("/api/v1/org/units/").status_code == 200

    again = client.get(PAGE).content.decode()
    assert plain not in again and plain[:10] in again and "有效" in again
    token = ApiToken.objects.get(user=users["a_assets"])
    response = client.post(f"{PAGE}{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == PAGE
    assert "已撤销" in client.get(PAGE).content.decode()
    assert token_client(plain).get("/api/v1/org/units/").status_code == 401


def test_the_page_shows_the_services_refusal_under_the_form(users, client_for):
    client = client_for(users["a_assets"])
    client.post(PAGE, {"name": "财务系统", "days": 90})
    response = client.post(PAGE, {"name": "财务系统", "days": 90})
    assert response.status_code == 200 and response.context["issued"] is None
    assert response.context["form"].errors["name"] == ["已有名为“财务系统”的有效令牌，请换一个名称或先撤销它。"]
    assert ApiToken.objects.filter(user=users["a_assets"]).count() == 1


def test_nobody_revokes_another_accounts_token_through_the_page(users, client_for):
    client_for(users["a_assets"]).post(PAGE, {"name": "财务系统", "days": 90})
    token = ApiToken.objects.get(user=users["a_assets"])
    assert client_for(users["b_assets"]).post(f"{PAGE}{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_a_token_cannot_issue_a_named_token_only_a_browser_session_can(users):
    """A leaked 12-hour sign-in token must not mint a 366-day named one."""
    signed_in = APIClient().post("/api/v1/auth/token/", {"username": "a_assets", "password": PASSWORD},
                                 format="json").json()
    response = token_client(signed_in["token"]).post(TOKENS, {"name": "后门", "days": 366}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "只能在登录网页后签发命名令牌，不能使用 API 令牌签发。"
    assert not ApiToken.objects.filter(is_named=True).exists()
    # Listing and revoking with a token still work; issuing works from the signed-in browser.
    assert token_client(signed_in["token"]).get(TOKENS).status_code == 200
    browser = Client()
    assert browser.post("/login/", {"username": "a_assets", "password": PASSWORD}).status_code == 302
    response = browser.post(TOKENS, {"name": "财务系统"}, content_type="application/json")
    assert response.status_code == 201 and response.json()["token"]


def test_a_new_password_revokes_every_token_of_the_account(users, api_client_for):
    user = users["a_assets"]
    named = issue(api_client_for(user), "预算管理一体化系统")["token"]
    signed_in = APIClient().post("/api/v1/auth/token/", {"username": "a_assets", "password": PASSWORD},
                                 format="json").json()["token"]
    other = issue(api_client_for(users["b_assets"]), "采购系统")["token"]
    browser = Client()
    assert browser.post("/login/", {"username": "a_assets", "password": PASSWORD}).status_code == 302
    response = browser.post("/password/", {"old_password": PASSWORD, "new_password": "Fresh#Pass2026",
                                           "new_password2": "Fresh#Pass2026"})
    assert response.status_code == 302
    for key in (named, signed_in):
        refused = token_client(key).get("/api/v1/org/units/")
        assert refused.status_code == 401 and refused.json()["error"]["message"] == "令牌无效或已撤销。"
    assert token_client(other).get("/api/v1/org/units/").status_code == 200  # another account's
    event = AuditEvent.objects.filter(action=Action.PASSWORD).order_by("-id").first()
    assert event.message == "本人修改密码，撤销全部 2 个 API 令牌"

    # An administrator's reset closes the tokens issued since, too.
    fresh = APIClient().post("/api/v1/auth/token/", {"username": "a_assets", "password": "Fresh#Pass2026"},
                             format="json").json()["token"]
    services.user_set_password(user=User.objects.get(pk=user.pk), password="Reset#Pass2026", by_admin=True)
    assert token_client(fresh).get("/api/v1/org/units/").status_code == 401
