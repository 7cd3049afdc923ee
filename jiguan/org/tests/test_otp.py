"""The second factor of the three administrators (三员, issue 18 acceptance 4): an administrator
without a confirmed device cannot sign in; with one, the password is followed by a right TOTP code;
wrong codes count toward the same lockout as wrong passwords; business users are not asked; the
operator enrols a device with ``manage.py otp_enrol``; an administrator changes their own device on
the account page after giving a code of the current one."""

import importlib
import io
import sys
import time
from types import SimpleNamespace
from unittest import mock

import pyotp
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from rest_framework.test import APIClient

from jiguan.audit.models import Action, AuditEvent
from jiguan.core.context import acting_as
from jiguan.core.testing import PASSWORD
from jiguan.org import otp, services
from jiguan.org.models import OtpDevice, User

pytestmark = pytest.mark.django_db

WRONG = "Wrong#Pass2026"
NOT_ENROLLED = "管理员账号须使用动态口令登录，您的账号尚未绑定动态口令。请联系运维人员为您绑定（manage.py otp_enrol）后再登录。"


@pytest.fixture(autouse=True)
def _one_throttle_window():
    pinned = time.time() // 60 * 60 + 1
    with mock.patch("jiguan.org.services.time", SimpleNamespace(time=lambda: pinned)):
        yield


def enrol(user) -> str:
    """Bind and confirm a device as the operator does; returns its secret (the phone's copy)."""
    with acting_as(None, channel="command"):
        _device, uri = services.otp_enrol(user=user)
        secret = pyotp.parse_uri(uri).secret
        # Confirmed with the previous time step's code (within the drift allowed), so the current
        # code is still unspent, as it is for the first sign-in minutes after the operator's enrolment.
        services.otp_confirm(user=user, code=pyotp.TOTP(secret).at(time.time() - otp.INTERVAL))
    return secret


def login_page(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def errors(response):
    return " ".join(str(e) for e in response.context["form"].non_field_errors())


def code_page(client, code):
    return client.post("/login/otp/", {"code": code})


def test_an_administrator_without_a_device_cannot_sign_in(users):
    for name in ("sysadmin", "secadmin", "auditor"):
        client = Client()
        response = login_page(client, name, PASSWORD)
        assert response.status_code == 200
        assert errors(response) == NOT_ENROLLED
        assert client.get("/").status_code == 302, "not signed in"
        event = AuditEvent.objects.filter(action=Action.LOGIN_FAILED, object_id=str(users[name].pk)).get()
        assert event.message == "管理员账号未绑定动态口令，拒绝登录"
    token = APIClient().post("/api/v1/auth/token/", {"username": "sysadmin", "password": PASSWORD}, format="json")
    assert token.status_code == 401 and token.json()["error"]["code"] == "otp_not_enrolled"


def test_an_unconfirmed_device_is_not_enough(users):
    with acting_as(None, channel="command"):
        services.otp_enrol(user=users["sysadmin"])
    assert errors(login_page(Client(), "sysadmin", PASSWORD)) == NOT_ENROLLED


def test_an_administrator_with_a_device_signs_in_with_password_then_code(users):
    secret = enrol(users["secadmin"])
    client = Client()
    response = login_page(client, "secadmin", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/login/otp/"
    assert client.get("/").status_code == 302, "the password alone does not sign in"
    page = client.get("/login/otp/").content.decode()
    assert "第二步：动态口令" in page and "验证并登录" in page

    response = code_page(client, "000000" if otp.code_now(secret) != "000000" else "111111")
    assert errors(response) == "动态口令错误，再错 4 次账号将被锁定。"
    response = code_page(client, otp.code_now(secret))
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    messages = list(AuditEvent.objects.filter(object_id=str(users["secadmin"].pk),
                                              action__in=[Action.LOGIN, Action.LOGIN_FAILED]).order_by("id")
                    .values_list("action", "message"))
    assert messages == [(Action.LOGIN_FAILED, "动态口令错误（第 1 次）"), (Action.LOGIN, "密码与动态口令验证通过")]
    assert User.objects.get(pk=users["secadmin"].pk).failed_login_count == 0


def test_a_code_is_good_once(users):
    secret = enrol(users["auditor"])
    first = Client()
    login_page(first, "auditor", PASSWORD)
    code = otp.code_now(secret)
    assert code_page(first, code).status_code == 302
    second = Client()
    login_page(second, "auditor", PASSWORD)
    assert errors(code_page(second, code)) == "动态口令错误，再错 4 次账号将被锁定。", "a code seen once is spent"


def test_wrong_codes_count_toward_the_same_lockout_as_wrong_passwords(users):
    secret = enrol(users["sysadmin"])
    assert errors(login_page(Client(), "sysadmin", WRONG)) == "用户名或密码错误，再错 4 次账号将被锁定。"
    assert errors(login_page(Client(), "sysadmin", WRONG)) == "用户名或密码错误，再错 3 次账号将被锁定。"
    client = Client()
    login_page(client, "sysadmin", PASSWORD)
    assert User.objects.get(pk=users["sysadmin"].pk).failed_login_count == 2, \
        "the right password alone does not clear the count: the code is still to come"
    wrong = "123456" if otp.code_now(secret) != "123456" else "654321"
    assert errors(code_page(client, wrong)) == "动态口令错误，再错 2 次账号将被锁定。"
    assert errors(code_page(client, wrong)) == "动态口令错误，再错 1 次账号将被锁定。"
    assert errors(code_page(client, wrong)) == "连续 5 次登录失败，账号已锁定 30 分钟。"
    account = User.objects.get(pk=users["sysadmin"].pk)
    assert account.is_locked
    assert AuditEvent.objects.filter(action=Action.LOCK, object_id=str(account.pk)).exists()
    # Locked: neither the right code on the same page nor the right password again gets in.
    # Locked: the second step is over (back to the password), and the right password is refused.
    assert "请重新输入用户名和密码" in code_page(client, otp.code_now(secret)).content.decode()
    assert client.get("/").status_code == 302
    assert errors(login_page(Client(), "sysadmin", PASSWORD)).startswith("账号已锁定")


def test_business_users_are_not_asked_for_a_code(users):
    client = Client()
    response = login_page(client, "a_assets", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert not OtpDevice.objects.exists()


def test_an_administrator_gets_no_api_token_for_a_password(users):
    enrol(users["sysadmin"])
    response = APIClient().post("/api/v1/auth/token/", {"username": "sysadmin", "password": PASSWORD},
                                format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "second_factor_required"
    assert "动态口令" in response.json()["error"]["message"]
    assert not users["sysadmin"].api_tokens.exists()
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED, object_id=str(users["sysadmin"].pk))
    assert event.message == "管理员账号不能凭密码在接口取得令牌（须在网页以动态口令登录）"


def test_the_second_step_expires(users):
    secret = enrol(users["secadmin"])
    client = Client()
    login_page(client, "secadmin", PASSWORD)
    later = time.time() + services.OTP_PENDING_SECONDS + 1
    with mock.patch("jiguan.org.views.time", SimpleNamespace(time=lambda: later)):
        response = code_page(client, otp.code_now(secret))
    assert response.status_code == 200 and "登录已超时，请重新输入用户名和密码。" in response.content.decode()
    assert client.get("/").status_code == 302
    assert client.get("/login/otp/")["Location"] == "/login/"


def _import_settings(monkeypatch, module, **env):
    monkeypatch.setenv("SECRET_KEY", "k" * 50)
    monkeypatch.setenv("DEBUG", "0")
    monkeypatch.setenv("JIGUAN_AUDIT_KEY", "ab" * 32)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    names = (f"jiguan.config.settings.{module}", "jiguan.config.settings.base")
    for name in names:
        sys.modules.pop(name, None)
    try:
        return importlib.import_module(f"jiguan.config.settings.{module}")
    finally:
        for name in names:
            sys.modules.pop(name, None)


def test_switched_off_only_outside_production(users, settings, monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="JIGUAN_ADMIN_OTP must be on in production"):
        _import_settings(monkeypatch, "production", JIGUAN_ADMIN_OTP="0")
    monkeypatch.delenv("JIGUAN_ADMIN_OTP")
    assert _import_settings(monkeypatch, "production").JIGUAN_ADMIN_OTP is True
    assert _import_settings(monkeypatch, "dev").JIGUAN_ADMIN_OTP is False, "the demo signs in with the password"
    settings.JIGUAN_ADMIN_OTP = False
    assert login_page(Client(), "sysadmin", PASSWORD).status_code == 302


def test_the_operator_enrols_a_device_with_a_command(users):
    out = io.StringIO()
    call_command("otp_enrol", "sysadmin", stdout=out)
    text = out.getvalue()
    uri = next(line for line in text.splitlines() if line.startswith("otpauth://"))
    assert "█" in text or "▀" in text, "a QR code for the terminal"
    assert "--confirm" in text
    assert errors(login_page(Client(), "sysadmin", PASSWORD)) == NOT_ENROLLED, "not yet confirmed"
    secret = pyotp.parse_uri(uri).secret
    with pytest.raises(CommandError, match="动态口令不正确"):
        call_command("otp_enrol", "sysadmin", "--confirm", "12", stdout=io.StringIO())
    call_command("otp_enrol", "sysadmin", "--confirm", otp.code_now(secret), stdout=io.StringIO())
    client = Client()
    assert login_page(client, "sysadmin", PASSWORD)["Location"] == "/login/otp/"
    device = OtpDevice.objects.get(user=users["sysadmin"])
    assert secret not in device.secret_encrypted, "the secret is stored encrypted"
    # The code that confirmed the device is spent; the next time step's code signs in.
    next_code = pyotp.TOTP(secret).at(time.time() + otp.INTERVAL)
    assert code_page(client, next_code).status_code == 302


def test_an_administrator_changes_their_device_after_a_code_of_the_current_one(users):
    secret = enrol(users["secadmin"])
    client = Client()
    client.force_login(users["secadmin"])
    assert "更换动态口令设备" in client.get("/password/").content.decode()
    page = client.get("/account/otp/")
    assert "第一步：输入当前设备的动态口令" in page.content.decode()
    wrong = "123456" if otp.code_now(secret) != "123456" else "654321"
    response = client.post("/account/otp/", {"code": wrong})
    assert "动态口令错误，再错 4 次账号将被锁定。" in response.content.decode()
    response = client.post("/account/otp/", {"code": otp.code_now(secret)})
    html = response.content.decode()
    assert "<svg" in html and "第二步：用新设备扫描二维码" in html
    new_secret = response.context["secret"]
    assert new_secret != secret
    response = client.post("/account/otp/", {"code": "000000" if otp.code_now(new_secret) != "000000" else "1"})
    assert "新设备的动态口令不正确" in response.content.decode()
    response = client.post("/account/otp/", {"code": otp.code_now(new_secret)})
    assert response.status_code == 302
    assert otp.secret_of(OtpDevice.objects.get(user=users["secadmin"])) == new_secret
    assert AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(users["secadmin"].pk),
                                     message="更换动态口令设备").exists()


def test_business_users_have_no_device_page(users, client_for):
    assert client_for(users["a_assets"]).get("/account/otp/").status_code == 403
    assert "更换动态口令设备" not in client_for(users["a_assets"]).get("/password/").content.decode()
