"""Single sign-on with the province's directory (issue 18, acceptance 4), against a real slapd
(jiguan/org/tests/slapd.py): a directory user signs in with their directory password and lands in the
unit their entry names; a wrong password is refused and counted; a disabled entry, or one whose unit
is not on the platform, is refused in Chinese and audited; a later sign-in refreshes the account."""

import time
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from jiguan.audit.models import Action, AuditEvent
from jiguan.core.testing import PASSWORD, make_user
from jiguan.org import services
from jiguan.org.models import OrgUnit, Role, User, UserSource

from .slapd import CODE_A, CODE_B, CODE_NOWHERE, DIRECTORY_PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "Wrong#Pass2026"


@pytest.fixture(autouse=True)
def _one_throttle_window():
    """Attempts of a test fall in one throttle minute (as in test_login_hardening)."""
    pinned = time.time() // 60 * 60 + 1
    with mock.patch("jiguan.org.services.time", SimpleNamespace(time=lambda: pinned)):
        yield


@pytest.fixture
def units(tree):
    """The directory names two units by their 统一社会信用代码: city A's and city B's agencies."""
    OrgUnit.objects.filter(pk=tree.city_a_agency.pk).update(credit_code=CODE_A)
    OrgUnit.objects.filter(pk=tree.city_b_agency.pk).update(credit_code=CODE_B)
    return SimpleNamespace(a=tree.city_a_agency, b=tree.city_b_agency)


def login_page(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def page_error(response):
    assert response.status_code == 200, "a refused sign-in stays on the login page"
    return " ".join(str(e) for e in response.context["form"].non_field_errors())


def failures(username):
    return AuditEvent.objects.filter(action=Action.LOGIN_FAILED, object_repr=username).order_by("id")


def test_a_directory_user_signs_in_with_the_directory_password_and_lands_in_their_unit(ldap_on, units, users):
    assert not User.objects.filter(username="zhangsan").exists()
    client = Client()
    page = client.get("/login/").content.decode()
    assert "单位目录登录" in page

    response = login_page(client, "zhangsan", DIRECTORY_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(username="zhangsan")
    assert user.unit == units.a
    assert (user.full_name, user.email, user.phone) == ("张三", "zhangsan@example.gov.cn", "13800000001")
    assert user.source == UserSource.LDAP
    assert not user.has_usable_password(), "the directory checks the password, never a local copy"
    home = client.get("/").content.decode()
    assert "张三" in home and "甲市机关事务管理局" in home
    login = AuditEvent.objects.get(action=Action.LOGIN, object_id=str(user.pk))
    assert login.message == "首次通过单位目录登录，已创建账号"
    admin = Client()
    admin.force_login(users["sysadmin"])
    detail = admin.get(f"/org/users/{user.pk}/").content.decode()
    assert "账号来源" in detail and "单位目录（LDAP）" in detail
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="org.user", object_id=str(user.pk)).exists()


def test_the_login_page_says_nothing_of_the_directory_when_it_is_off(db):
    assert "单位目录登录" not in Client().get("/login/").content.decode()


def test_a_directory_user_gets_an_api_token_with_the_directory_password(ldap_on, units):
    response = APIClient().post("/api/v1/auth/token/", {"username": "lisi", "password": DIRECTORY_PASSWORD},
                                format="json")
    assert response.status_code == 200, response.content
    assert response.json()["user"]["unit"] == units.b.pk


def test_a_wrong_directory_password_is_refused_and_counted(ldap_on, units):
    # Before the first sign-in (no local account yet): the words of any wrong password, counted.
    words = [page_error(login_page(Client(), "zhangsan", WRONG)) for _ in range(2)]
    assert words == ["用户名或密码错误，再错 4 次账号将被锁定。", "用户名或密码错误，再错 3 次账号将被锁定。"]
    assert not User.objects.filter(username="zhangsan").exists()
    assert [e.message for e in failures("zhangsan")] == ["单位目录密码错误（尚无本地账号）"] * 2

    # With an account: counted on it, and locked at the limit like a local account.
    assert login_page(Client(), "sunqi", DIRECTORY_PASSWORD).status_code == 302
    for left in (4, 3, 2, 1):
        assert page_error(login_page(Client(), "sunqi", WRONG)) == f"用户名或密码错误，再错 {left} 次账号将被锁定。"
    assert page_error(login_page(Client(), "sunqi", WRONG)) == "密码连续错误 5 次，账号已锁定 30 分钟。"
    account = User.objects.get(username="sunqi")
    assert account.is_locked and account.failed_login_count == 5
    assert page_error(login_page(Client(), "sunqi", DIRECTORY_PASSWORD)).startswith("账号已锁定")
    assert AuditEvent.objects.filter(action=Action.LOCK, object_id=str(account.pk)).exists()


def test_an_unknown_name_reads_the_same_with_the_directory_on(ldap_on, units):
    assert page_error(login_page(Client(), "nobody-here", WRONG)) == "用户名或密码错误，再错 4 次账号将被锁定。"
    assert failures("nobody-here").get().message == "账号不存在"


def test_a_disabled_directory_account_cannot_sign_in(ldap_on, units):
    response = login_page(Client(), "wangwu", DIRECTORY_PASSWORD)
    assert page_error(response) == "您的单位目录账号已停用，不能登录。如有疑问请联系本单位人事或信息部门。"
    assert not User.objects.filter(username="wangwu").exists(), "no account for a disabled entry"
    assert failures("wangwu").get().message == "单位目录账号已停用，拒绝登录"
    api = APIClient().post("/api/v1/auth/token/", {"username": "wangwu", "password": DIRECTORY_PASSWORD},
                           format="json")
    assert api.status_code == 401 and api.json()["error"]["code"] == "disabled"


def test_an_account_disabled_in_the_directory_after_its_first_sign_in_is_deactivated(ldap_on, units):
    client = Client()
    assert login_page(client, "sunqi", DIRECTORY_PASSWORD).status_code == 302
    ldap_on.replace("sunqi", "employeeType", "disabled")
    try:
        assert page_error(login_page(Client(), "sunqi", DIRECTORY_PASSWORD)).startswith("您的单位目录账号已停用")
    finally:
        ldap_on.replace("sunqi", "employeeType", "staff")
    account = User.objects.get(username="sunqi")
    assert not account.is_active
    assert client.get("/").status_code == 302, "the open session of a deactivated account ends"
    # Enabled again in the directory, the account stays off until the platform turns it on.
    assert page_error(login_page(Client(), "sunqi", DIRECTORY_PASSWORD)).startswith("用户名或密码错误")


def test_a_directory_account_whose_unit_is_not_on_the_platform_is_refused(ldap_on, units):
    response = login_page(Client(), "zhaoliu", DIRECTORY_PASSWORD)
    assert page_error(response) == (f"您在单位目录中的所属单位（代码 {CODE_NOWHERE}）未在本平台登记，暂不能登录。"
                                    "请联系系统管理员登记该单位。")
    assert not User.objects.filter(username="zhaoliu").exists()
    assert failures("zhaoliu").get().message == f"单位目录中的单位代码 {CODE_NOWHERE} 在平台中没有对应单位"
    api = APIClient().post("/api/v1/auth/token/", {"username": "zhaoliu", "password": DIRECTORY_PASSWORD},
                           format="json")
    assert api.status_code == 401
    assert (api.json()["error"]["code"], api.json()["error"]["message"]) == ("unit_unknown", page_error(response))


def test_a_later_sign_in_refreshes_the_unit_and_name_from_the_directory(ldap_on, units):
    assert login_page(Client(), "zhangsan", DIRECTORY_PASSWORD).status_code == 302
    assert User.objects.get(username="zhangsan").unit == units.a
    ldap_on.replace("zhangsan", "departmentNumber", CODE_B)
    ldap_on.replace("zhangsan", "cn", "张三丰")
    try:
        client = Client()
        assert login_page(client, "zhangsan", DIRECTORY_PASSWORD).status_code == 302
    finally:
        ldap_on.replace("zhangsan", "departmentNumber", CODE_A)
        ldap_on.replace("zhangsan", "cn", "张三")
    user = User.objects.get(username="zhangsan")
    assert (user.unit, user.full_name) == (units.b, "张三丰")
    assert User.objects.filter(username="zhangsan").count() == 1
    assert "乙市机关事务管理局" in client.get("/").content.decode()
    update = AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(user.pk)).latest("id")
    assert (update.before["unit_id"], update.after["unit_id"]) == (units.a.pk, units.b.pk)


def test_a_directory_that_does_not_answer_is_said_so(ldap_on, units, settings):
    settings.JIGUAN_LDAP = {**ldap_on.settings(), "URI": "ldap://127.0.0.1:1", "TIMEOUT": 2}
    response = login_page(Client(), "zhangsan", DIRECTORY_PASSWORD)
    assert page_error(response) == "单位目录（统一身份认证）暂时无法连接，请稍后再试。"
    assert failures("zhangsan").get().message.startswith("单位目录无法连接")


def test_a_local_account_keeps_its_local_password_with_the_directory_on(ldap_on, units, tree):
    make_user("clerk", tree.city_a_dept, [("staff", tree.city_a_dept, False)])
    assert login_page(Client(), "clerk", PASSWORD).status_code == 302


def test_an_empty_password_never_reaches_the_directory_as_an_anonymous_bind(ldap_on, units):
    from jiguan.org import directory
    entry = directory.find("zhangsan")
    assert directory.check_password(entry, "") is False
    assert directory.check_password(entry, DIRECTORY_PASSWORD) is True


def test_directory_accounts_never_hold_an_administrator_duty(ldap_on, units, users):
    assert login_page(Client(), "zhangsan", DIRECTORY_PASSWORD).status_code == 302
    account = User.objects.get(username="zhangsan")
    with pytest.raises(ValidationError) as refused:
        services.assignment_grant(user=account, role=Role.objects.get(code="system_admin"), unit=units.a,
                                  granted_by=users["secadmin"])
    assert "三员须为本地账号" in str(refused.value)
    assert not account.assignments.exists()


@pytest.mark.parametrize("how", ["start_tls", "ldaps"])
def test_the_directory_over_tls_checks_its_certificate(ldap_on, units, settings, how):
    tls = {"START_TLS": True} if how == "start_tls" else {"URI": ldap_on.ldaps_uri}
    settings.JIGUAN_LDAP = {**ldap_on.settings(), **tls, "CA_FILE": ldap_on.ca_file}
    assert login_page(Client(), "zhangsan", DIRECTORY_PASSWORD).status_code == 302
    # A certificate the configured CA did not sign (here: the system's CAs only) is refused.
    settings.JIGUAN_LDAP = {**ldap_on.settings(), **tls, "CA_FILE": ""}
    response = login_page(Client(), "lisi", DIRECTORY_PASSWORD)
    assert page_error(response) == "单位目录（统一身份认证）暂时无法连接，请稍后再试。"
    assert not User.objects.filter(username="lisi").exists()
