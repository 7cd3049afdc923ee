"""Login protection (等保 2.0): Chinese login page, lockout after repeated failures (page and API alike,
audited), unlock by the security administrator, expiring API tokens, password expiry and complexity.
The numbers are settings, not constants."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from jiguan.audit.models import Action, AuditEvent
from jiguan.core.testing import PASSWORD, make_user
from jiguan.org import services
from jiguan.org.models import ApiToken, User

pytestmark = pytest.mark.django_db

WRONG = "Wrong#Pass2026"


def security(**changes):
    return override_settings(JIGUAN_SECURITY={**settings.JIGUAN_SECURITY, **changes})


def events_for(user, action):
    return AuditEvent.objects.filter(object_type="org.user", object_id=str(user.pk), action=action).order_by("id")


def login_page(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def page_error(response):
    assert response.status_code == 200, "a refused login stays on the login page"
    return " ".join(str(e) for e in response.context["form"].non_field_errors())


def request_token(username, password):
    return APIClient().post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")


@pytest.fixture
def clerk(tree):
    return make_user("clerk", tree.city_a_dept, [("staff", tree.city_a_dept, False)], full_name="王科员")


# The login page -------------------------------------------------------------------------------------


def test_login_page_is_chinese(db):
    response = Client().get("/login/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("登录", "用户名", "密码", "机关事务一体化管理平台"):
        assert text in html
    assert 'lang="zh-hans"' in html
    for english in ("Username", "Password", "Log in"):
        assert english not in html


def test_login_with_the_right_password(clerk):
    client = Client()
    response = login_page(client, "clerk", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert "王科员" in client.get("/").content.decode()
    assert events_for(clerk, Action.LOGIN).count() == 1


def test_wrong_password_says_how_many_tries_are_left(clerk):
    error = page_error(login_page(Client(), "clerk", WRONG))
    assert error == "用户名或密码错误，再错 4 次账号将被锁定。"
    assert User.objects.get(pk=clerk.pk).failed_login_count == 1


def test_unknown_user_is_refused_and_audited(db):
    error = page_error(login_page(Client(), "ghost", WRONG))
    assert error == "用户名或密码错误，再错 4 次账号将被锁定。"
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED, object_repr="ghost")
    assert event.success is False and event.message == "账号不存在"


def test_login_next_stays_on_this_site(clerk):
    client = Client()
    response = client.post("/login/", {"username": "clerk", "password": PASSWORD,
                                       "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


# Lockout --------------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account(clerk):
    client = Client()
    errors = [page_error(login_page(client, "clerk", WRONG)) for _ in range(5)]
    assert errors[:4] == [f"用户名或密码错误，再错 {n} 次账号将被锁定。" for n in (4, 3, 2, 1)]
    assert errors[4] == "密码连续错误 5 次，账号已锁定 30 分钟。"

    failed = list(events_for(clerk, Action.LOGIN_FAILED))
    assert len(failed) == 5
    assert all(e.success is False for e in failed)
    assert [e.message for e in failed] == [f"密码错误（第 {n} 次）" for n in range(1, 6)]
    locks = list(events_for(clerk, Action.LOCK))
    assert len(locks) == 1 and "连续 5 次登录失败" in locks[0].message

    clerk.refresh_from_db()
    assert clerk.is_locked
    assert timedelta(minutes=29) < clerk.locked_until - timezone.now() <= timedelta(minutes=30)

    # The right password no longer opens the door; that attempt is audited too.
    response = login_page(client, "clerk", PASSWORD)
    error = page_error(response)
    assert error.startswith("账号已锁定，请 ") and "联系安全管理员解锁" in error
    assert "_auth_user_id" not in client.session
    assert events_for(clerk, Action.LOGIN_FAILED).count() == 6
    assert events_for(clerk, Action.LOGIN_FAILED).last().message == "账号已锁定"
    assert not events_for(clerk, Action.LOGIN).exists()


def test_a_successful_login_resets_the_counter(clerk):
    client = Client()
    for _ in range(4):
        login_page(client, "clerk", WRONG)
    assert login_page(client, "clerk", PASSWORD).status_code == 302
    assert User.objects.get(pk=clerk.pk).failed_login_count == 0
    client = Client()
    assert page_error(login_page(client, "clerk", WRONG)) == "用户名或密码错误，再错 4 次账号将被锁定。"


def test_locked_user_is_shown_and_unlocked_by_the_security_admin(clerk, users, client_for):
    for _ in range(5):
        login_page(Client(), "clerk", WRONG)
    admin = client_for(users["secadmin"])
    detail = admin.get(f"/org/users/{clerk.pk}/").content.decode()
    assert "已锁定" in detail and 'id="unlock-user"' in detail
    response = admin.post(f"/org/users/{clerk.pk}/unlock/")
    assert response.status_code == 302 and response["Location"] == f"/org/users/{clerk.pk}/"
    assert "账号 clerk 已解锁。" in admin.get(response["Location"]).content.decode()

    clerk.refresh_from_db()
    assert not clerk.is_locked and clerk.failed_login_count == 0 and clerk.locked_until is None
    unlock = events_for(clerk, Action.UNLOCK).get()
    assert unlock.actor_username == "secadmin"

    client = Client()
    assert login_page(client, "clerk", PASSWORD).status_code == 302
    assert client.get("/").status_code == 200


def test_only_the_security_admin_may_unlock(clerk, users, client_for):
    for _ in range(5):
        login_page(Client(), "clerk", WRONG)
    for name in ("sysadmin", "auditor", "a_assets"):
        assert client_for(users[name]).post(f"/org/users/{clerk.pk}/unlock/").status_code == 403
    assert User.objects.get(pk=clerk.pk).is_locked
    assert not events_for(clerk, Action.UNLOCK).exists()
    # The button is not offered either.
    assert 'id="unlock-user"' not in client_for(users["sysadmin"]).get(f"/org/users/{clerk.pk}/").content.decode()


def test_a_locked_user_loses_the_open_session(clerk, client_for):
    client = client_for(clerk)
    assert client.get("/org/units/list/").status_code == 200
    User.objects.filter(pk=clerk.pk).update(locked_until=timezone.now() + timedelta(minutes=30))
    response = client.get("/org/units/list/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@security(LOGIN_FAILURE_LIMIT=3, LOCKOUT_MINUTES=10)
def test_the_limit_and_the_lockout_time_are_settings(clerk):
    client = Client()
    errors = [page_error(login_page(client, "clerk", WRONG)) for _ in range(3)]
    assert errors == ["用户名或密码错误，再错 2 次账号将被锁定。", "用户名或密码错误，再错 1 次账号将被锁定。",
                      "密码连续错误 3 次，账号已锁定 10 分钟。"]
    clerk.refresh_from_db()
    assert clerk.is_locked
    assert timedelta(minutes=9) < clerk.locked_until - timezone.now() <= timedelta(minutes=10)
    assert events_for(clerk, Action.LOCK).count() == 1


def test_the_lock_ends_after_the_lockout_time(clerk):
    for _ in range(5):
        login_page(Client(), "clerk", WRONG)
    User.objects.filter(pk=clerk.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    client = Client()
    assert login_page(client, "clerk", PASSWORD).status_code == 302
    assert User.objects.get(pk=clerk.pk).failed_login_count == 0


# The API token endpoint: the same lockout --------------------------------------------------------


def test_token_endpoint_locks_after_five_failures(clerk):
    responses = [request_token("clerk", WRONG) for _ in range(5)]
    assert [r.status_code for r in responses] == [401] * 5
    assert [r.json()["error"]["code"] for r in responses] == ["invalid"] * 4 + ["locked"]
    assert responses[0].json() == {"error": {"code": "invalid", "message": "用户名或密码错误，再错 4 次账号将被锁定。"}}
    assert responses[4].json()["error"]["message"] == "密码连续错误 5 次，账号已锁定 30 分钟。"
    assert events_for(clerk, Action.LOGIN_FAILED).count() == 5
    assert events_for(clerk, Action.LOCK).count() == 1
    assert all(e.channel == "api" for e in events_for(clerk, Action.LOGIN_FAILED))

    response = request_token("clerk", PASSWORD)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "locked"
    assert "账号已锁定" in response.json()["error"]["message"]
    assert not ApiToken.objects.filter(user=clerk).exists()
    # One counter for both doors: the login page is locked as well.
    assert page_error(login_page(Client(), "clerk", PASSWORD)).startswith("账号已锁定")


def test_token_and_page_failures_add_up(clerk):
    for _ in range(3):
        request_token("clerk", WRONG)
    client = Client()
    login_page(client, "clerk", WRONG)
    assert page_error(login_page(client, "clerk", WRONG)) == "密码连续错误 5 次，账号已锁定 30 分钟。"


def test_token_endpoint_validates_its_body(db):
    response = APIClient().post("/api/v1/auth/token/", {"username": "clerk"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "password" in response.json()["error"]["fields"]


# Tokens ---------------------------------------------------------------------------------------------


def token_client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_opens_the_api(clerk, tree):
    response = request_token("clerk", PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == "clerk"
    api = token_client(body["token"])
    listing = api.get("/api/v1/org/units/")
    assert listing.status_code == 200
    assert [u["name"] for u in listing.json()["results"]] == ["甲市资产管理科"]
    assert events_for(clerk, Action.TOKEN).count() == 1

    assert APIClient().get("/api/v1/org/units/").status_code == 401
    bad = token_client("0" * 40).get("/api/v1/org/units/")
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "authentication_failed"


def test_a_new_token_leaves_the_old_one_working(clerk):
    """Two integrating systems signing in as one account each keep their own token."""
    first = request_token("clerk", PASSWORD).json()["token"]
    second = request_token("clerk", PASSWORD).json()["token"]
    assert first != second
    assert token_client(first).get("/api/v1/org/units/").status_code == 200
    assert token_client(second).get("/api/v1/org/units/").status_code == 200


def test_an_expired_token_is_refused(clerk):
    key = request_token("clerk", PASSWORD).json()["token"]
    ApiToken.objects.filter(digest=ApiToken.digest_of(key)).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = token_client(key).get("/api/v1/org/units/")
    assert response.status_code == 401
    assert response.json()["error"] == {"code": "authentication_failed", "message": "令牌已过期，请重新获取。"}


def test_token_lifetime_is_a_setting(clerk):
    response = request_token("clerk", PASSWORD).json()
    assert abs((ApiToken.objects.get(pk=response["id"]).expires_at - timezone.now())
               - timedelta(hours=12)) < timedelta(minutes=1)  # default: 12 hours
    with override_settings(API_TOKEN_MAX_AGE=timedelta(minutes=30)):
        response = request_token("clerk", PASSWORD).json()
    token = ApiToken.objects.get(pk=response["id"])
    assert abs((token.expires_at - timezone.now()) - timedelta(minutes=30)) < timedelta(minutes=1)
    assert token_client(response["token"]).get("/api/v1/org/units/").status_code == 200


def test_a_locked_user_token_is_refused(clerk):
    key = request_token("clerk", PASSWORD).json()["token"]
    User.objects.filter(pk=clerk.pk).update(locked_until=timezone.now() + timedelta(minutes=30))
    response = token_client(key).get("/api/v1/org/units/")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "账号已锁定。"


def test_an_inactive_user_token_is_refused(clerk):
    key = request_token("clerk", PASSWORD).json()["token"]
    User.objects.filter(pk=clerk.pk).update(is_active=False)
    assert token_client(key).get("/api/v1/org/units/").status_code == 401


# Password expiry ------------------------------------------------------------------------------------


def age_password(user, days):
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=days))


def test_an_expired_password_sends_every_page_to_the_password_page(clerk, client_for):
    age_password(clerk, settings.JIGUAN_SECURITY["PASSWORD_MAX_AGE_DAYS"] + 1)
    client = client_for(clerk)
    for path in ("/", "/org/units/", "/org/units/list/", "/org/users/", "/audit/", "/org/units/list/?export=xlsx"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/password/", path
    assert client.get("/password/").status_code == 200
    assert client.post("/logout/").status_code == 302


def test_login_with_an_expired_password_goes_to_the_password_page(clerk):
    age_password(clerk, 365)
    client = Client()
    response = login_page(client, "clerk", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/password/"
    page = client.get("/password/")
    assert "您的密码已过期或为初始密码，请先修改密码。" in page.content.decode()


def test_a_password_reset_by_an_administrator_must_be_changed(clerk, client_for):
    services.user_set_password(user=clerk, password="Reset#Pass2026", by_admin=True)
    response = client_for(User.objects.get(pk=clerk.pk)).get("/org/units/list/")
    assert response.status_code == 302 and response["Location"] == "/password/"


def test_changing_the_password_lets_the_user_in_again(clerk, client_for):
    age_password(clerk, 200)
    client = client_for(clerk)
    response = client.post("/password/", {"old_password": PASSWORD, "new_password": "Fresh#Pass2026",
                                          "new_password2": "Fresh#Pass2026"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/org/units/list/").status_code == 200  # still signed in, no longer redirected
    clerk.refresh_from_db()
    assert clerk.check_password("Fresh#Pass2026") and not clerk.password_expired
    assert events_for(clerk, Action.PASSWORD).get().message == "本人修改密码"


def test_password_age_is_a_setting(clerk, client_for):
    age_password(clerk, 31)
    client = client_for(clerk)
    assert client.get("/org/units/list/").status_code == 200  # default: 90 days
    with security(PASSWORD_MAX_AGE_DAYS=30):
        response = client.get("/org/units/list/")
        assert response.status_code == 302 and response["Location"] == "/password/"
    with security(PASSWORD_MAX_AGE_DAYS=0):  # 0: passwords do not expire
        age_password(clerk, 10_000)
        assert client.get("/org/units/list/").status_code == 200


# Password complexity --------------------------------------------------------------------------------


@pytest.mark.parametrize("weak,expected", [
    ("abcdefghijkl", "密码须至少包含大写字母、小写字母、数字、符号中的三类。"),
    ("Ab1#x", "10"),  # too short: the minimum length is named
])
def test_a_weak_password_is_refused_in_chinese(clerk, client_for, weak, expected):
    client = client_for(clerk)
    response = client.post("/password/", {"old_password": PASSWORD, "new_password": weak, "new_password2": weak})
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get("new_password", []))
    assert expected in errors
    assert any("\u4e00" <= ch <= "\u9fff" for ch in errors), errors  # Chinese, not English
    assert "password" not in errors.lower()
    assert User.objects.get(pk=clerk.pk).check_password(PASSWORD)


def test_password_change_checks_the_old_password_and_the_repeat(clerk, client_for):
    client = client_for(clerk)
    response = client.post("/password/", {"old_password": WRONG, "new_password": "Fresh#Pass2026",
                                          "new_password2": "Other#Pass2026"})
    errors = response.context["form"].errors
    assert errors["old_password"] == ["原密码不正确。"]
    assert errors["new_password2"] == ["两次输入的新密码不一致。"]


def test_services_enforce_complexity_for_new_accounts(tree, users, client_for):
    with pytest.raises(ValidationError) as excinfo:
        services.user_create(username="weak", unit=tree.city_a, password="alllowercase")
    assert "密码须至少包含" in " ".join(excinfo.value.messages)
    assert not User.objects.filter(username="weak").exists()
    response = client_for(users["sysadmin"]).post("/org/users/new/", {
        "username": "weak", "unit": tree.city_a.pk, "is_active": "on", "password": "alllowercase"})
    assert response.status_code == 200
    assert "密码须至少包含大写字母、小写字母、数字、符号中的三类。" in response.content.decode()
    assert not User.objects.filter(username="weak").exists()


def test_unknown_and_known_usernames_get_the_same_words(clerk):
    known = [page_error(login_page(Client(), "clerk", WRONG)) for _ in range(5)]
    unknown = [page_error(login_page(Client(), "nobody-here", WRONG)) for _ in range(5)]
    assert known == unknown
    assert known[-1] == "密码连续错误 5 次，账号已锁定 30 分钟。"


def test_an_expired_lock_starts_the_count_afresh(clerk):
    from datetime import timedelta

    from django.utils import timezone

    for _ in range(5):
        login_page(Client(), "clerk", WRONG)
    User.objects.filter(pk=clerk.pk).update(locked_until=timezone.now() - timedelta(minutes=1))
    assert page_error(login_page(Client(), "clerk", WRONG)) == "用户名或密码错误，再错 4 次账号将被锁定。"
    assert User.objects.get(pk=clerk.pk).locked_until is None


def test_expired_password_gets_no_api_token(clerk):
    from rest_framework.test import APIClient

    User.objects.filter(pk=clerk.pk).update(password_changed_at=None)
    response = APIClient().post("/api/v1/auth/token/", {"username": "clerk", "password": PASSWORD}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "password_expired"


def test_token_issue_is_audited_as_token(clerk):
    from rest_framework.test import APIClient

    response = APIClient().post("/api/v1/auth/token/", {"username": "clerk", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert events_for(clerk, Action.TOKEN).count() == 1


# Idle timeout ---------------------------------------------------------------------------------------


def signed_in(user):
    client = Client()
    assert login_page(client, user.username, PASSWORD).status_code == 302
    return client


def session_row(client):
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_an_idle_session_expires_and_the_page_asks_to_sign_in_again(clerk):
    client = signed_in(clerk)
    assert client.get("/org/units/").status_code == 200
    row = session_row(client)
    idle = settings.JIGUAN_SECURITY["SESSION_IDLE_MINUTES"]
    assert timedelta(minutes=idle - 1) < row.expire_date - timezone.now() <= timedelta(minutes=idle)
    # The user walks away for longer than the idle limit: the session row has expired.
    type(row).objects.filter(pk=row.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/org/units/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_activity_restarts_the_idle_clock_at_most_once_a_minute(clerk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(clerk)
    first = session_row(client).expire_date
    # Requests within the refresh interval read the session but never write it.
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert client.get("/org/units/").status_code == 200
    writes = [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"]
              and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert writes == []
    assert session_row(client).expire_date == first
    # Once the last restart is older than the interval, the next request moves the expiry on.
    with security(SESSION_REFRESH_SECONDS=0):
        assert client.get("/org/units/").status_code == 200
    assert session_row(client).expire_date > first


def test_api_calls_with_a_token_create_no_session(clerk):
    from django.contrib.sessions.models import Session

    key = request_token(clerk.username, PASSWORD).data["token"]
    before = Session.objects.count()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/org/units/").status_code == 200
    assert Session.objects.count() == before
    assert settings.SESSION_COOKIE_NAME not in client.cookies
