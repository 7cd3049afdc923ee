"""Single sign-on with the province's OpenID Connect provider (统一身份认证, issue 18), against a
tiny provider served in the test (jiguan/org/tests/oidc_provider.py): a person signed in there lands
in the unit their claim names; a unit not on the platform, a local account's name, a token of another
issuer are refused in Chinese and audited."""

import secrets
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client, override_settings

from jiguan.audit.models import Action, AuditEvent
from jiguan.org.models import OrgUnit, User, UserSource

from .oidc_provider import CLIENT_ID, Provider
from .slapd import CODE_A, CODE_B, CODE_NOWHERE

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # the provider is local, whatever the proxy
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    with Provider() as running, override_settings(
            JIGUAN_OIDC=running.settings(),
            AUTHENTICATION_BACKENDS=["jiguan.org.backends.ScopedRoleBackend", "jiguan.org.oidc.Backend"]):
        yield running


@pytest.fixture
def units(tree):
    OrgUnit.objects.filter(pk=tree.city_a_agency.pk).update(credit_code=CODE_A)
    OrgUnit.objects.filter(pk=tree.city_b_agency.pk).update(credit_code=CODE_B)
    return SimpleNamespace(a=tree.city_a_agency, b=tree.city_b_agency)


def claims(username, unit_code, name="周八"):
    return {"sub": f"sub-{username}", "preferred_username": username, "name": name,
            "email": f"{username}@example.gov.cn", "phone_number": "13900000008", "unit_code": unit_code}


def sign_in(client, provider, person, next_url=""):
    """The browser's round trip: Jiguan sends it to the provider, the person signs in there, the
    provider sends it back with a code."""
    start = client.get("/oidc/authenticate/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    target = urlsplit(start["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{provider.issuer}/authorize"
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256" and "openid" in query["scope"]
    code = secrets.token_urlsafe(16)
    provider.issue(code, nonce=query["nonce"], code_challenge=query["code_challenge"], claims=person)
    return client.get("/oidc/callback/", {"code": code, "state": query["state"]})


def test_a_person_signed_in_at_the_provider_lands_in_their_unit(provider, units):
    client = Client()
    page = client.get("/login/").content.decode()
    assert "统一身份认证登录" in page
    response = sign_in(client, provider, claims("zhouba", CODE_A))
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(username="zhouba")
    assert (user.unit, user.source, user.full_name) == (units.a, UserSource.OIDC, "周八")
    assert not user.has_usable_password()
    home = client.get("/").content.decode()
    assert "周八" in home and "甲市机关事务管理局" in home
    assert AuditEvent.objects.get(action=Action.LOGIN, object_id=str(user.pk)).message == \
        "首次通过统一身份认证（OIDC）登录，已创建账号"

    # Later, the provider names another unit: the account follows.
    again = Client()
    assert sign_in(again, provider, claims("zhouba", CODE_B, name="周八")).status_code == 302
    assert User.objects.get(username="zhouba").unit == units.b
    assert User.objects.filter(username="zhouba").count() == 1


def test_a_unit_not_on_the_platform_is_refused(provider, units):
    client = Client()
    response = sign_in(client, provider, claims("wujiu", CODE_NOWHERE))
    assert response.status_code == 403
    assert f"您在单位目录中的所属单位（代码 {CODE_NOWHERE}）未在本平台登记" in response.content.decode()
    assert not User.objects.filter(username="wujiu").exists()
    assert client.get("/").status_code == 302
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED, object_repr="wujiu")
    assert event.message == f"单位目录中的单位代码 {CODE_NOWHERE} 在平台中没有对应单位"


def test_the_provider_never_signs_in_a_local_account(provider, units, users):
    client = Client()
    response = sign_in(client, provider, claims("sysadmin", CODE_A))
    assert response.status_code == 403
    assert "该用户名已是本平台的本地账号，不能通过统一身份认证登录" in response.content.decode()
    assert client.get("/").status_code == 302
    assert User.objects.get(username="sysadmin").source == UserSource.LOCAL


def test_an_id_token_of_another_issuer_is_refused(provider, units):
    provider.issuer_override = "http://127.0.0.1:1"
    client = Client()
    response = sign_in(client, provider, claims("zhengshi", CODE_A))
    assert response.status_code == 403
    assert "统一身份认证的登录凭据无效，请重新登录。" in response.content.decode()
    assert not User.objects.filter(username="zhengshi").exists()
    assert AuditEvent.objects.get(action=Action.LOGIN_FAILED).message.startswith("统一身份认证的登录凭据无效")


def test_a_callback_is_good_once(provider, units):
    client = Client()
    start = client.get("/oidc/authenticate/")
    query = {k: v[0] for k, v in parse_qs(urlsplit(start["Location"]).query).items()}
    provider.issue("one-code", nonce=query["nonce"], code_challenge=query["code_challenge"],
                   claims=claims("zhouba", CODE_A))
    assert client.get("/oidc/callback/", {"code": "one-code", "state": query["state"]}).status_code == 302
    # The same callback again, in this browser (its state is spent) or in another (no state at all).
    for browser in (client, Client()):
        replay = browser.get("/oidc/callback/", {"code": "one-code", "state": query["state"]})
        assert replay.status_code == 403 and "统一身份认证未能完成登录" in replay.content.decode()


def test_off_the_login_page_has_no_button_and_the_flow_says_so(db):
    assert "统一身份认证登录" not in Client().get("/login/").content.decode()
    response = Client().get("/oidc/authenticate/")
    assert "本平台未开启统一身份认证登录" in response.content.decode()
