"""Sign-in hardening (issue 16, items 14, 15, 17, 19): the login page and the token endpoint give an
unknown username the same words and the same password hashing as an account, past the lockout too;
the client address comes from X-Forwarded-For only behind a trusted proxy and is always a valid
address; refused sign-ins are throttled per address and per username without touching the audit
chain; an expired password closes the API for session and token alike."""

import threading
import time
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.hashers import get_hasher
from django.db import OperationalError, connection, transaction
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from jiguan.audit.models import Action, AuditEvent, ChainHead
from jiguan.core.testing import PASSWORD, make_user
from jiguan.org.models import User

pytestmark = pytest.mark.django_db

WRONG = "Wrong#Pass2026"
THROTTLED = "请求过于频繁"


def security(**changes):
    return override_settings(JIGUAN_SECURITY={**settings.JIGUAN_SECURITY, **changes})


def login_page(client, username, password, **headers):
    return client.post("/login/", {"username": username, "password": password}, **headers)


def page_error(response):
    return " ".join(str(e) for e in response.context["form"].non_field_errors())


def request_token(username, password, **headers):
    return APIClient().post("/api/v1/auth/token/", {"username": username, "password": password},
                            format="json", **headers)


@pytest.fixture(autouse=True)
def _one_throttle_window():
    """The throttle counts per fixed minute: a test whose attempts straddled a minute's end would see
    its count split in two. Every test here runs at one instant, a second into a minute (a test that
    needs the next minute patches the clock itself)."""
    pinned = time.time() // 60 * 60 + 1
    with mock.patch("jiguan.org.services.time", SimpleNamespace(time=lambda: pinned)):
        yield


@pytest.fixture
def clerk(tree):
    return make_user("clerk", tree.city_a_dept, [("staff", tree.city_a_dept, False)], full_name="王科员")


@pytest.fixture
def hashes():
    """Every run of the password hasher, with whether it ran inside a transaction."""
    hasher_class = type(get_hasher())
    original = hasher_class.encode
    calls = []

    def spy(self, *args, **kwargs):
        calls.append(connection.in_atomic_block)
        return original(self, *args, **kwargs)

    with mock.patch.object(hasher_class, "encode", spy):
        yield calls


# Item 14: no username enumeration -----------------------------------------------------------------


def test_past_the_limit_an_unknown_name_reads_like_an_account_on_the_page(clerk):
    # Seven attempts each, the last one with the account's right password: nothing tells them apart.
    def attempts(username):
        client = Client()
        words = [page_error(login_page(client, username, WRONG)) for _ in range(6)]
        return words + [page_error(login_page(client, username, PASSWORD))]

    known, unknown = attempts("clerk"), attempts("nobody-here")
    assert known == unknown
    assert known[4] == "密码连续错误 5 次，账号已锁定 30 分钟。"
    assert known[5] == known[6] == "账号已锁定，请 30 分钟后再试或联系安全管理员解锁。"
    assert User.objects.get(pk=clerk.pk).is_locked


def test_past_the_limit_an_unknown_name_reads_like_an_account_in_the_api(clerk):
    known = [request_token("clerk", WRONG) for _ in range(7)]
    unknown = [request_token("nobody-here", WRONG) for _ in range(7)]
    assert [(r.status_code, r.json()) for r in known] == [(r.status_code, r.json()) for r in unknown]
    assert [r.json()["error"]["code"] for r in unknown] == ["invalid"] * 4 + ["locked"] * 3


def test_an_unknown_name_costs_the_same_password_hashing(clerk, hashes):
    for _ in range(7):
        login_page(Client(), "clerk", WRONG)
    known = len(hashes)
    hashes.clear()
    for _ in range(7):
        login_page(Client(), "nobody-here", WRONG)
    assert known == 7, "one password hash per attempt on an account, locked or not"
    assert len(hashes) == known, "an unknown name must cost the hasher's work too"


def test_an_unknown_name_starts_afresh_when_its_lock_runs_out(db):
    for _ in range(5):
        login_page(Client(), "nobody-here", WRONG)
    assert page_error(login_page(Client(), "nobody-here", WRONG)).startswith("账号已锁定")
    later = timezone.now() + timedelta(minutes=31)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert page_error(login_page(Client(), "nobody-here", WRONG)) == "用户名或密码错误，再错 4 次账号将被锁定。"


# Item 15: the client address ----------------------------------------------------------------------


BOGUS = ["bogus", "1.2.3.4:5678", "junk, 1.2.3.4", "[2001:db8::1]:443", "1.2.3.4, 300.1.1.1", ""]


@pytest.mark.parametrize("forwarded", BOGUS)
def test_a_forwarded_header_from_an_untrusted_peer_is_ignored_at_login(clerk, forwarded):
    response = login_page(Client(), "clerk", WRONG, HTTP_X_FORWARDED_FOR=forwarded)
    assert response.status_code == 200
    assert page_error(response) == "用户名或密码错误，再错 4 次账号将被锁定。"
    assert User.objects.get(pk=clerk.pk).failed_login_count == 1
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED, object_id=str(clerk.pk))
    assert event.ip == "127.0.0.1"


@pytest.mark.parametrize("forwarded", BOGUS)
def test_a_forwarded_header_from_an_untrusted_peer_is_ignored_by_audited_writes(users, tree, clerk, forwarded):
    User.objects.filter(pk=clerk.pk).update(failed_login_count=5, locked_until=timezone.now() + timedelta(minutes=5))
    admin = Client()
    admin.force_login(users["secadmin"])
    response = admin.post(f"/org/users/{clerk.pk}/unlock/", HTTP_X_FORWARDED_FOR=forwarded)
    assert response.status_code == 302
    assert AuditEvent.objects.get(action=Action.UNLOCK).ip == "127.0.0.1"

    api = APIClient()
    api.force_authenticate(users["sysadmin"])
    response = api.patch(f"/api/v1/org/units/{tree.city_a.pk}/", {"short_name": "甲"}, format="json",
                         HTTP_X_FORWARDED_FOR=forwarded)
    assert response.status_code == 200, response.content
    assert AuditEvent.objects.filter(action=Action.UPDATE, object_type="org.orgunit").get().ip == "127.0.0.1"


@pytest.mark.parametrize("proxies,remote,forwarded,expected", [
    (["127.0.0.1"], "127.0.0.1", "203.0.113.7", "203.0.113.7"),
    (["127.0.0.1"], "127.0.0.1", "203.0.113.7:5678", "203.0.113.7"),
    (["127.0.0.1"], "127.0.0.1", "junk, 203.0.113.7", "203.0.113.7"),
    (["127.0.0.1"], "127.0.0.1", "[2001:db8::7]:443", "2001:db8::7"),
    (["127.0.0.1"], "127.0.0.1", "bogus", "127.0.0.1"),
    (["127.0.0.1"], "127.0.0.1", "", "127.0.0.1"),
    # Two proxies: the client is the right-most address that is not one of ours.
    (["127.0.0.1", "10.0.0.0/8"], "127.0.0.1", "198.51.100.1, 203.0.113.7, 10.1.2.3", "203.0.113.7"),
    # A peer that is not a trusted proxy: whatever it forwards is its own claim.
    (["127.0.0.1"], "198.51.100.9", "203.0.113.7", "198.51.100.9"),
])
def test_behind_a_trusted_proxy_the_client_address_is_recorded(clerk, proxies, remote, forwarded, expected):
    with override_settings(JIGUAN_TRUSTED_PROXIES=proxies):
        response = login_page(Client(REMOTE_ADDR=remote), "clerk", WRONG, HTTP_X_FORWARDED_FOR=forwarded)
    assert response.status_code == 200
    assert AuditEvent.objects.get(action=Action.LOGIN_FAILED, object_id=str(clerk.pk)).ip == expected


def test_the_trusted_client_address_is_recorded_through_the_api(clerk):
    with override_settings(JIGUAN_TRUSTED_PROXIES=["127.0.0.1"]):
        response = request_token("clerk", PASSWORD, HTTP_X_FORWARDED_FOR="junk, 203.0.113.7:4431")
    assert response.status_code == 200
    assert AuditEvent.objects.get(action=Action.TOKEN).ip == "203.0.113.7"


# Item 17: throttling refused sign-ins ----------------------------------------------------------------


@security(LOGIN_THROTTLE_PER_IP=3)
def test_refused_logins_from_one_address_are_throttled_on_the_page(clerk):
    client = Client()
    for name in ("ghost1", "ghost2", "ghost3"):
        assert login_page(client, name, WRONG).status_code == 200
    before = AuditEvent.objects.count()
    response = login_page(client, "clerk", PASSWORD)  # even the right password waits out the minute
    assert response.status_code == 429
    assert int(response["Retry-After"]) in range(1, 61)
    error = page_error(response)
    assert error.startswith("请求过于频繁，请 ") and error.endswith(" 秒后再试。")
    assert "_auth_user_id" not in client.session
    # One record says the address was throttled; the attempts after it write nothing.
    for _ in range(5):
        assert login_page(client, "ghost4", WRONG).status_code == 429
    throttled = AuditEvent.objects.filter(id__gt=0).order_by("id")[before:]
    assert [(e.action, e.success) for e in throttled] == [(Action.LOGIN_FAILED, False)]
    assert "本地址每分钟失败 3 次" in throttled[0].message
    assert User.objects.get(pk=clerk.pk).failed_login_count == 0  # never checked
    # Another address is not held up.
    assert login_page(Client(REMOTE_ADDR="198.51.100.20"), "clerk", PASSWORD).status_code == 302


@security(LOGIN_THROTTLE_PER_IP=3)
def test_refused_token_requests_are_throttled_with_429(clerk):
    for name in ("ghost1", "ghost2", "ghost3"):
        assert request_token(name, WRONG).status_code == 401
    response = request_token("clerk", PASSWORD)
    assert response.status_code == 429
    body = response.json()["error"]
    assert body["code"] == "throttled" and body["message"].startswith("请求过于频繁")
    assert int(response["Retry-After"]) in range(1, 61)
    # The page and the API share the counters.
    assert login_page(Client(), "clerk", PASSWORD).status_code == 429


@security(LOGIN_THROTTLE_PER_ACCOUNT=3, LOGIN_FAILURE_LIMIT=100)
def test_refused_logins_of_one_username_are_throttled_from_any_address(clerk):
    for n in range(3):
        assert login_page(Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), "clerk", WRONG).status_code == 200
    response = login_page(Client(REMOTE_ADDR="198.51.100.50"), "clerk", PASSWORD)
    assert response.status_code == 429 and page_error(response).startswith(THROTTLED)
    # An unknown name is throttled alike, so the throttle does not tell them apart either.
    for n in range(3):
        login_page(Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), "ghost", WRONG)
    assert login_page(Client(REMOTE_ADDR="198.51.100.50"), "ghost", WRONG).status_code == 429
    # Another username from the same address goes on.
    assert login_page(Client(REMOTE_ADDR="198.51.100.50"), "other", WRONG).status_code == 200


@security(LOGIN_THROTTLE_PER_IP=2)
def test_the_throttle_lets_go_after_the_minute(clerk):
    for name in ("ghost1", "ghost2"):
        login_page(Client(), name, WRONG)
    assert login_page(Client(), "clerk", PASSWORD).status_code == 429
    later = time.time() + 61
    with mock.patch("jiguan.org.services.time", SimpleNamespace(time=lambda: later)):
        assert login_page(Client(), "clerk", PASSWORD).status_code == 302


def test_successful_logins_are_not_throttled(clerk):
    limit = settings.JIGUAN_SECURITY["LOGIN_THROTTLE_PER_IP"]
    for _ in range(limit + 2):
        assert login_page(Client(), "clerk", PASSWORD).status_code == 302


def test_the_security_administrator_sees_the_throttle_limits(users, client_for):
    html = client_for(users["secadmin"]).get("/org/security/").content.decode()
    for text in ("同一地址每分钟登录失败上限", "LOGIN_THROTTLE_PER_IP", "同一账号每分钟登录失败上限",
                 "LOGIN_THROTTLE_PER_ACCOUNT"):
        assert text in html


@pytest.mark.django_db(transaction=True)
def test_the_password_is_hashed_outside_any_transaction(clerk, hashes):
    # So a refused login holds the audit chain's lock only for its own insert, never for the hash.
    login_page(Client(), "clerk", WRONG)
    login_page(Client(), "nobody-here", WRONG)
    assert hashes == [False, False]


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres_only  # row locks of a second connection
def test_throttled_logins_never_wait_for_the_audit_chain(clerk):
    """While another transaction holds the chain head (a long audited write), a throttled sign-in is
    answered at once; only a sign-in that is checked records itself and waits its turn."""
    with security(LOGIN_THROTTLE_PER_IP=2):
        for name in ("ghost1", "ghost2"):
            login_page(Client(), name, WRONG)
        assert login_page(Client(), "ghost3", WRONG).status_code == 429  # the one throttle record

        held, release, failure = threading.Event(), threading.Event(), []

        def hold_chain_head():
            try:
                with transaction.atomic():
                    ChainHead.objects.select_for_update().get(pk=1)
                    held.set()
                    release.wait(timeout=30)
            except Exception as exc:  # reported below
                failure.append(exc)
            finally:
                connection.close()

        holder = threading.Thread(target=hold_chain_head)
        holder.start()
        try:
            assert held.wait(timeout=10)
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")
            count = AuditEvent.objects.count()
            started = time.monotonic()
            for _ in range(5):
                assert login_page(Client(), "clerk", PASSWORD).status_code == 429
            assert time.monotonic() - started < 2
            assert AuditEvent.objects.count() == count
            # A sign-in that is checked does record itself, so it queues behind the holder.
            with pytest.raises(OperationalError, match="lock timeout"):
                login_page(Client(REMOTE_ADDR="198.51.100.30"), "ghost9", WRONG)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = 0")
            release.set()
            holder.join(timeout=30)
    assert not holder.is_alive() and not failure


# Item 19: an expired password closes the API ---------------------------------------------------------


EXPIRED = {"error": {"code": "password_expired", "message": "密码已过期或为初始密码，请先登录网页修改密码。"}}


def expire_password(user, days=None):
    days = settings.JIGUAN_SECURITY["PASSWORD_MAX_AGE_DAYS"] + 1 if days is None else days
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=days))


def test_an_expired_password_closes_the_api_to_the_browser_session(clerk):
    client = Client()
    assert login_page(client, "clerk", PASSWORD).status_code == 302
    assert client.get("/api/v1/org/units/").status_code == 200
    expire_password(clerk)
    for response in (client.get("/api/v1/org/units/"), client.get(f"/api/v1/org/users/{clerk.pk}/"),
                     client.patch(f"/api/v1/org/users/{clerk.pk}/", {"full_name": "x"},
                                  content_type="application/json")):
        assert response.status_code == 403
        assert response.json() == EXPIRED
    # The password page stays usable, and once the password is changed the API opens again.
    assert client.get("/password/").status_code == 200
    response = client.post("/password/", {"old_password": PASSWORD, "new_password": "Fresh#Pass2026",
                                          "new_password2": "Fresh#Pass2026"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/api/v1/org/units/").status_code == 200


def test_an_expired_password_closes_the_api_to_a_token(clerk):
    key = request_token("clerk", PASSWORD).json()["token"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/org/units/").status_code == 200
    expire_password(clerk)
    response = api.get("/api/v1/org/units/")
    assert response.status_code == 403 and response.json() == EXPIRED


def test_a_password_reset_by_an_administrator_closes_the_api(clerk):
    client = Client()
    assert login_page(client, "clerk", PASSWORD).status_code == 302
    User.objects.filter(pk=clerk.pk).update(password_changed_at=None)
    response = client.get("/api/v1/org/units/")
    assert response.status_code == 403 and response.json() == EXPIRED


@security(LOGIN_THROTTLE_PER_IP=3)
def test_ipv6_addresses_of_one_64_network_share_one_throttle(clerk):
    """Rotating addresses within one IPv6 /64 (one subscriber's network) buys no fresh allowance."""
    for n, name in enumerate(("ghost1", "ghost2", "ghost3"), start=1):
        assert login_page(Client(REMOTE_ADDR=f"2001:db8:7:42::{n}"), name, WRONG).status_code == 200
    response = login_page(Client(REMOTE_ADDR="2001:db8:7:42:ffff:1:2:3"), "clerk", PASSWORD)
    assert response.status_code == 429 and page_error(response).startswith(THROTTLED)
    assert request_token("ghost4", WRONG, REMOTE_ADDR="2001:db8:7:42::abcd").status_code == 429
    # The next /64 is another network.
    assert login_page(Client(REMOTE_ADDR="2001:db8:7:43::1"), "clerk", PASSWORD).status_code == 302
