"""Write operations of the org app: each atomic, validated, audited.

Naming: ``<noun>_<verb>`` with keyword arguments. Views and the API call these; nothing else writes
org rows (the generic CRUD base views call ``core.services.generic_*`` which audit the same way).
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import time
from datetime import timedelta
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Substr
from django.http import QueryDict
from django.urls import NoReverseMatch, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.audit import services as audit
from jiguan.audit.models import Action
from jiguan.core import context
from jiguan.core.filters import filter_querystring

from . import directory, otp
from .models import (
    CREDIT_CODE_TAKEN,
    CREDIT_CODE_UNIQUE,
    PATH_SEPARATOR,
    ApiToken,
    Duty,
    ListColumns,
    OrgUnit,
    OtpDevice,
    Role,
    RoleAssignment,
    SavedFilter,
    User,
    UserSource,
)

# Organisation units ----------------------------------------------------------------------------


def _full_clean(obj, exclude=None):
    obj.full_clean(exclude=exclude, validate_unique=True)


def _save_unit(unit: OrgUnit) -> None:
    """Save a unit; when two writes pass the credit-code check at once, the unique index refuses the
    second, which is answered with the model's message, not a 500."""
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError as exc:
        if CREDIT_CODE_UNIQUE in str(exc):
            raise ValidationError({"credit_code": [CREDIT_CODE_TAKEN]}) from exc
        raise


@transaction.atomic
def orgunit_create(*, parent: OrgUnit | None, **fields) -> OrgUnit:
    if parent is None and OrgUnit.objects.exists():
        raise ValidationError({"parent": _("一个平台只有一个顶级单位，请选择上级单位。")})
    unit = OrgUnit(parent=parent, **fields)
    unit.path = f"{PATH_SEPARATOR}tmp-{timezone.now().timestamp()}{PATH_SEPARATOR}"
    _full_clean(unit, exclude=["path"])
    _save_unit(unit)
    unit.path = f"{parent.path if parent else PATH_SEPARATOR}{unit.pk}{PATH_SEPARATOR}"
    unit.depth = parent.depth + 1 if parent else 0
    OrgUnit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
    audit.record_create(unit)
    return unit


@transaction.atomic
def orgunit_update(*, unit: OrgUnit, **fields) -> OrgUnit:
    if "parent" in fields:
        raise ValueError("use orgunit_move to change the parent")
    before = audit.snapshot(unit)
    for name, value in fields.items():
        setattr(unit, name, value)
    _full_clean(unit)
    _save_unit(unit)
    audit.record_update(unit, before)
    return unit


@transaction.atomic
def orgunit_move(*, unit: OrgUnit, new_parent: OrgUnit) -> OrgUnit:
    """Move ``unit`` and its subtree under ``new_parent``: one UPDATE rewrites every path below."""
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    new_parent = OrgUnit.objects.get(pk=new_parent.pk)
    if new_parent.pk == unit.pk or new_parent.path.startswith(unit.path):
        raise ValidationError({"parent": _("不能把单位移动到它自己或它的下级单位之下。")})
    if unit.parent_id == new_parent.pk:
        return unit
    before = {"parent": unit.parent_id, "path": unit.path}
    old_parent_name = unit.parent.name if unit.parent_id else "—"
    old_path = unit.path
    new_path = f"{new_parent.path}{unit.pk}{PATH_SEPARATOR}"
    depth_change = new_parent.depth + 1 - unit.depth
    OrgUnit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_change, updated_at=timezone.now(),
    )
    OrgUnit.objects.filter(pk=unit.pk).update(parent=new_parent, updated_at=timezone.now())
    unit.refresh_from_db()
    audit.record(Action.MOVE, unit, before=before, after={"parent": new_parent.pk, "path": unit.path},
                 message=_("从 %(old)s 移至 %(new)s") % {"old": old_parent_name, "new": new_parent.name})
    return unit


# Users -----------------------------------------------------------------------------------------


@transaction.atomic
def user_create(*, username: str, unit: OrgUnit, password: str | None = None, **fields) -> User:
    user = User(username=username, unit=unit, **fields)
    if password:
        password_validation.validate_password(password, user)
        user.set_password(password)
        user.password_changed_at = timezone.now()
    else:
        user.set_unusable_password()
    _full_clean(user, exclude=["password"])
    user.save()
    audit.record_create(user)
    return user


@transaction.atomic
def user_update(*, user: User, **fields) -> User:
    before = audit.snapshot(user)
    for name, value in fields.items():
        setattr(user, name, value)
    _full_clean(user, exclude=["password"])
    user.save()
    audit.record_update(user, before)
    return user


@transaction.atomic
def user_set_password(*, user: User, password: str, by_admin: bool = False) -> User:
    password_validation.validate_password(password, user)
    user.set_password(password)
    # An administrator's reset leaves the password expired, so the person must choose their own.
    user.password_changed_at = None if by_admin else timezone.now()
    user.save(update_fields=["password", "password_changed_at"])
    # A new password closes every API token of the account: whoever held one (leaked, or issued by
    # the person the password was taken from) must sign in again.
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    message = _("管理员重置密码") if by_admin else _("本人修改密码")
    if revoked:
        message = _("%(m)s，撤销全部 %(n)d 个 API 令牌") % {"m": message, "n": revoked}
    audit.record(Action.PASSWORD, user, message=message)
    return user


@transaction.atomic
def user_unlock(*, user: User) -> User:
    User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
    user.refresh_from_db()
    audit.record(Action.UNLOCK, user)
    return user


# Login with lockout ----------------------------------------------------------------------------

THROTTLE_SECONDS = 60  # the login throttle counts refusals per minute (a fixed window)
UNKNOWN_COUNT_SECONDS = 24 * 3600  # how long the failures of an unknown username are remembered


class LoginRefused(Exception):
    def __init__(self, message: str, code: str, retry_after: int | None = None):
        super().__init__(message)
        self.message, self.code, self.retry_after = message, code, retry_after


def _refusal(failures: int, limits: dict) -> LoginRefused:
    """The same words for a known and an unknown username, so the page does not tell which exist."""
    if failures >= limits["LOGIN_FAILURE_LIMIT"]:
        return LoginRefused(_("密码连续错误 %(n)d 次，账号已锁定 %(m)d 分钟。") % {
            "n": limits["LOGIN_FAILURE_LIMIT"], "m": limits["LOCKOUT_MINUTES"]}, "locked")
    left = limits["LOGIN_FAILURE_LIMIT"] - failures
    return LoginRefused(_("用户名或密码错误，再错 %(n)d 次账号将被锁定。") % {"n": left}, "invalid")


def _locked_refusal(until) -> LoginRefused:
    minutes = max(1, int((until - timezone.now()).total_seconds() // 60) + 1)
    return LoginRefused(_("账号已锁定，请 %(n)d 分钟后再试或联系安全管理员解锁。") % {"n": minutes}, "locked")


def _throttle_address(ip: str | None) -> str:
    """The address a throttle counts for: an IPv4 address itself, an IPv6 address its /64 (one
    subscriber's network: rotating addresses within it gives no fresh allowance)."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return ip or "-"
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _throttle_keys(ip: str | None, username: str, limits: dict) -> list[tuple[str, int, str]]:
    window = int(time.time() // THROTTLE_SECONDS)
    account = hashlib.sha256(username.encode()).hexdigest()[:32]
    return [(f"jiguan:login-throttle:ip:{_throttle_address(ip)}:{window}", limits["LOGIN_THROTTLE_PER_IP"],
             _("本地址")),
            (f"jiguan:login-throttle:account:{account}:{window}", limits["LOGIN_THROTTLE_PER_ACCOUNT"],
             _("本账号"))]


def _throttle_check(ip: str | None, username: str, limits: dict) -> None:
    """Refuse before any password check or database write when this address or this username has
    had its refusals of the minute. The first refusal of a window is audited; the rest are not, so a
    flood never reaches the audit chain's lock."""
    keys = _throttle_keys(ip, username, limits)
    counts = cache.get_many([key for key, _limit, _what in keys])
    for key, limit, what in keys:
        if limit and counts.get(key, 0) >= limit:
            retry_after = THROTTLE_SECONDS - int(time.time()) % THROTTLE_SECONDS
            if cache.add(f"{key}:audited", 1, timeout=THROTTLE_SECONDS):
                audit.record(Action.LOGIN_FAILED, success=False, object_type_label="org.user",
                             object_repr=username[:150],
                             message=_("登录请求过于频繁（%(what)s每分钟失败 %(n)d 次），本分钟内不再受理") % {
                                 "what": what, "n": limit})
            raise LoginRefused(_("请求过于频繁，请 %(n)d 秒后再试。") % {"n": retry_after}, "throttled",
                               retry_after=retry_after)


def _throttle_count(ip: str | None, username: str, limits: dict) -> None:
    for key, _limit, _what in _throttle_keys(ip, username, limits):
        cache.add(key, 0, timeout=THROTTLE_SECONDS * 2)
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, timeout=THROTTLE_SECONDS * 2)


def _unknown_login(username: str, password: str, limits: dict, message: str | None = None) -> LoginRefused:
    """An unknown username gets the same work and the same words as an account: the password is
    hashed (as Django's ModelBackend does), failures are counted (in the cache) and lock the name
    for LOCKOUT_MINUTES after LOGIN_FAILURE_LIMIT of them."""
    make_password(password)  # the hasher's work, so the answer takes as long as for an account
    key = f"jiguan:login-unknown:{hashlib.sha256(username.encode()).hexdigest()[:32]}"
    locked_until = cache.get(f"{key}:locked")
    if locked_until is not None and locked_until > timezone.now():
        audit.record(Action.LOGIN_FAILED, success=False, object_type_label="org.user",
                     object_repr=username[:150], message=_("账号不存在（已锁定）"))
        return _locked_refusal(locked_until)
    cache.add(key, 0, timeout=UNKNOWN_COUNT_SECONDS)
    try:
        failures = cache.incr(key)
    except ValueError:  # expired in between
        cache.add(key, 1, timeout=UNKNOWN_COUNT_SECONDS)
        failures = 1
    if failures >= limits["LOGIN_FAILURE_LIMIT"]:
        cache.set(f"{key}:locked", timezone.now() + timedelta(minutes=limits["LOCKOUT_MINUTES"]),
                  timeout=limits["LOCKOUT_MINUTES"] * 60)
        cache.delete(key)  # after the lock the count starts afresh, as for an account
    audit.record(Action.LOGIN_FAILED, success=False, object_type_label="org.user",
                 object_repr=username[:150], message=message or _("账号不存在"))
    return _refusal(failures, limits)


def login_attempt(*, request, username: str, password: str, success_action: str = Action.LOGIN,
                  success_message: str = "") -> User:
    """Authenticate with lockout (FACTS §9). Every attempt, success or failure, is audited.

    The failure counter is updated in its own transaction so a refused login is never rolled back.
    Unknown usernames get the same answers, the same password hashing and the same lock (counted in
    the cache), so the login page cannot be used to find out which accounts exist. Refusals are
    throttled per client address and per username (LOGIN_THROTTLE_PER_IP / _PER_ACCOUNT a minute);
    the password is hashed before any transaction, so a refused login holds the audit chain's lock
    only for its own insert (docs/development/architecture.md, "Failed logins and the chain").
    """
    limits = settings.JIGUAN_SECURITY
    ip = context.current().ip
    _throttle_check(ip, username, limits)
    try:
        return _login_attempt(request=request, username=username, password=password, limits=limits,
                              success_action=success_action, success_message=success_message)
    except LoginRefused:
        _throttle_count(ip, username, limits)
        raise


def _count_failure(account: User, limits: dict, message: str) -> int:
    """One more failed sign-in of ``account`` (password or second factor), audited, in its own
    transaction; locks the account at LOGIN_FAILURE_LIMIT. ``message`` has %(n)d for the count."""
    with transaction.atomic():
        User.objects.filter(pk=account.pk).update(failed_login_count=F("failed_login_count") + 1)
        account.refresh_from_db(fields=["failed_login_count"])
        locked = account.failed_login_count >= limits["LOGIN_FAILURE_LIMIT"]
        if locked:
            until = timezone.now() + timedelta(minutes=limits["LOCKOUT_MINUTES"])
            User.objects.filter(pk=account.pk).update(locked_until=until)
        audit.record(Action.LOGIN_FAILED, account, actor=account, success=False,
                     message=message % {"n": account.failed_login_count})
        if locked:
            audit.record(Action.LOCK, account, actor=account,
                         message=_("连续 %(n)d 次登录失败，锁定 %(m)d 分钟") % {
                             "n": account.failed_login_count, "m": limits["LOCKOUT_MINUTES"]})
    return account.failed_login_count


def _login_attempt(*, request, username, password, limits, success_action, success_message) -> User:
    account = User.objects.filter(username=username).select_related("unit").first()
    if account is None:
        if not directory.enabled():
            raise _unknown_login(username, password, limits)
        account = _directory_first_login(username, password, limits)  # created, or LoginRefused
        success_message = success_message or _("首次通过单位目录登录，已创建账号")
        user = account
    else:
        if account.is_locked:
            make_password(password)  # the same work as every other refusal
            audit.record(Action.LOGIN_FAILED, account, actor=account, success=False, message=_("账号已锁定"))
            raise _locked_refusal(account.locked_until)
        if account.locked_until is not None:  # a lock that has run out: start counting afresh
            User.objects.filter(pk=account.pk).update(failed_login_count=0, locked_until=None)
        if account.source == UserSource.LDAP:
            user = _directory_login(account, password)
        else:
            user = authenticate(request, username=username, password=password)
    if user is None:
        failures = _count_failure(account, limits, _("密码错误（第 %(n)d 次）"))
        raise _refusal(failures, limits)
    if needs_second_factor(user):
        _second_factor_ready(user)  # refuses an administrator without a confirmed device
        raise SecondFactorRequired(user)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
        audit.record(success_action, user, actor=user, message=success_message)
    return user


# Single sign-on with the province's directory (单位目录, LDAP) -------------------------------------


def _directory_refused(username: str, account: User | None, message: str, audit_message: str,
                       code: str) -> LoginRefused:
    audit.record(Action.LOGIN_FAILED, account, actor=account, success=False, object_type_label="org.user",
                 object_repr=username[:150], message=audit_message[:500])
    return LoginRefused(message, code)


def _directory_entry(username: str, account: User | None):
    try:
        return directory.find(username)
    except directory.DirectoryUnavailable as exc:
        raise _directory_refused(username, account, _("单位目录（统一身份认证）暂时无法连接，请稍后再试。"),
                                 _("单位目录无法连接：%(e)s") % {"e": str(exc)[:200]}, "directory_unavailable") from exc


def _directory_password(username: str, account: User | None, entry, password: str) -> bool:
    try:
        return directory.check_password(entry, password)
    except directory.DirectoryUnavailable as exc:
        raise _directory_refused(username, account, _("单位目录（统一身份认证）暂时无法连接，请稍后再试。"),
                                 _("单位目录无法连接：%(e)s") % {"e": str(exc)[:200]}, "directory_unavailable") from exc


def _directory_unit(username: str, account: User | None, entry) -> OrgUnit:
    return _unit_for_code(username, account, entry.unit_code)


def _unit_for_code(username: str, account: User | None, code: str) -> OrgUnit:
    """The active unit whose 统一社会信用代码 is ``code`` (from the directory's entry or the OIDC
    provider's claim); refused (audited) when none."""
    code = str(code or "").strip().upper()
    unit = OrgUnit.objects.filter(credit_code=code, is_active=True).first() if code else None
    if unit is None:
        raise _directory_refused(
            username, account,
            _("您在单位目录中的所属单位（代码 %(code)s）未在本平台登记，暂不能登录。请联系系统管理员登记该单位。") % {
                "code": code or _("空")},
            _("单位目录中的单位代码 %(code)s 在平台中没有对应单位") % {"code": code or "—"}, "unit_unknown")
    return unit


def _directory_disabled(username: str, account: User | None) -> LoginRefused:
    """A disabled directory entry: refused, and its local account (if any) deactivated."""
    if account is not None and account.is_active:
        user_update(user=account, is_active=False)
    return _directory_refused(username, account,
                              _("您的单位目录账号已停用，不能登录。如有疑问请联系本单位人事或信息部门。"),
                              _("单位目录账号已停用，拒绝登录"), "disabled")


def _directory_fields(entry) -> dict:
    """Name, email and phone from the entry, cut to the fields' lengths; an email the platform would
    refuse is left out rather than failing the sign-in."""
    from django.core.validators import validate_email

    email = entry.email[:254]
    try:
        validate_email(email) if email else None
    except ValidationError:
        email = ""
    return {"full_name": entry.full_name[:60], "email": email, "phone": entry.phone[:20]}


def _directory_first_login(username: str, password: str, limits: dict) -> User:
    """The first sign-in of a directory user: the directory checks the password, then the account is
    created (unusable local password, source LDAP) in the unit mapped from the entry. A name the
    directory does not know gets exactly the unknown username's answer."""
    entry = _directory_entry(username, None)
    if entry is None:
        raise _unknown_login(username, password, limits)
    if not _directory_password(username, None, entry, password):
        raise _unknown_login(username, password, limits, message=_("单位目录密码错误（尚无本地账号）"))
    if entry.disabled:
        raise _directory_disabled(username, None)
    unit = _directory_unit(username, None, entry)
    try:
        with transaction.atomic():
            return user_create(username=username, unit=unit, password=None, source=UserSource.LDAP,
                               **_directory_fields(entry))
    except (IntegrityError, ValidationError):  # created by a sign-in at the same moment, or a bad name
        account = User.objects.filter(username=username, source=UserSource.LDAP).first()
        if account is None:
            raise
        return account


def _directory_login(account: User, password: str) -> User | None:
    """A later sign-in of a directory account: the directory checks the password (None when wrong,
    counted like a local one); the name, contact details and unit are refreshed from the entry."""
    if not directory.enabled():  # the directory was switched off: nothing can check the password
        make_password(password)
        return None
    entry = _directory_entry(account.username, account)
    if entry is None:
        make_password(password)
        return None
    if not _directory_password(account.username, account, entry, password):
        return None
    if entry.disabled:
        raise _directory_disabled(account.username, account)
    if not account.is_active:  # deactivated on the platform: the same answer as a local account's
        return None
    unit = _directory_unit(account.username, account, entry)
    fields = {**_directory_fields(entry), "unit": unit}
    changed = {name: value for name, value in fields.items() if getattr(account, name) != value}
    if changed:
        account = user_update(user=account, **changed)
    return account


# Single sign-on with the province's OpenID Connect provider (统一身份认证, OIDC) ---------------------


def oidc_login(*, claims: dict) -> User:
    """The provider has signed the person in (jiguan.org.oidc checked its ID token): their account,
    created at the first sign-in (source OIDC, unusable local password) in the unit whose credit code
    is the unit claim, refreshed later. Refused, in Chinese and audited: no username claim, a name
    that is a local account's (the provider never signs in as a local account, so never as one of
    the three administrators), an account locked or deactivated here, a unit not on the platform."""
    conf = settings.JIGUAN_OIDC
    username = str(claims.get(conf["USERNAME_CLAIM"]) or "").strip()[:150]
    if not username:
        raise _directory_refused("—", None, _("统一身份认证未提供用户名，不能登录。请联系统一身份认证的管理部门。"),
                                 _("统一身份认证未提供用户名（%(claim)s）") % {"claim": conf["USERNAME_CLAIM"]},
                                 "invalid_claims")
    account = User.objects.filter(username=username).select_related("unit").first()
    if account is not None and account.source != UserSource.OIDC:
        raise _directory_refused(username, account,
                                 _("该用户名已是本平台的本地账号，不能通过统一身份认证登录，请使用用户名和密码登录。"),
                                 _("统一身份认证的用户名与本平台的其他账号相同，拒绝登录"), "account_conflict")
    if account is not None and (account.is_locked or not account.is_active):
        raise _directory_refused(username, account, _("账号已停用或锁定，请联系安全管理员。"),
                                 _("账号已停用或锁定（统一身份认证）"), "disabled")
    unit = _unit_for_code(username, account, claims.get(conf["UNIT_CLAIM"], ""))
    fields = _directory_fields(SimpleNamespace(full_name=str(claims.get(conf["NAME_CLAIM"]) or ""),
                                               email=str(claims.get(conf["EMAIL_CLAIM"]) or ""),
                                               phone=str(claims.get(conf["PHONE_CLAIM"]) or "")))
    if account is None:
        with transaction.atomic():
            account = user_create(username=username, unit=unit, password=None, source=UserSource.OIDC, **fields)
        message = _("首次通过统一身份认证（OIDC）登录，已创建账号")
    else:
        changed = {name: value for name, value in {**fields, "unit": unit}.items()
                   if getattr(account, name) != value}
        if changed:
            account = user_update(user=account, **changed)
        message = _("通过统一身份认证（OIDC）登录")
    with transaction.atomic():
        User.objects.filter(pk=account.pk).update(failed_login_count=0, locked_until=None)
        audit.record(Action.LOGIN, account, actor=account, message=message)
    return account


# Second factor (动态口令) of the three administrators ----------------------------------------------

OTP_PENDING_SECONDS = 300  # the second step must follow the password within this time


class SecondFactorRequired(Exception):
    """The password was right; an administrator must now give their TOTP code (login_second_factor)."""

    def __init__(self, user: User):
        super().__init__(user.username)
        self.user = user


def second_factor_token_refused(*, user: User) -> None:
    """The token endpoint's refusal of an administrator's right password (no token for a password
    alone): audited like every other sign-in attempt."""
    audit.record(Action.LOGIN_FAILED, user, actor=user, success=False,
                 message=_("管理员账号不能凭密码在接口取得令牌（须在网页以动态口令登录）"))


def needs_second_factor(user: User) -> bool:
    return bool(settings.JIGUAN_ADMIN_OTP) and any(a.role.duty in ADMIN_DUTIES for a in user.role_assignments())


def _confirmed_device(user: User) -> OtpDevice | None:
    return OtpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def _second_factor_ready(user: User) -> OtpDevice:
    device = _confirmed_device(user)
    if device is None or otp.secret_of(device) is None:
        audit.record(Action.LOGIN_FAILED, user, actor=user, success=False,
                     message=_("管理员账号未绑定动态口令，拒绝登录"))
        raise LoginRefused(_("管理员账号须使用动态口令登录，您的账号尚未绑定动态口令。"
                             "请联系运维人员为您绑定（manage.py otp_enrol）后再登录。"), "otp_not_enrolled")
    return device


def _otp_refusal(failures: int, limits: dict) -> LoginRefused:
    if failures >= limits["LOGIN_FAILURE_LIMIT"]:
        return LoginRefused(_("连续 %(n)d 次登录失败，账号已锁定 %(m)d 分钟。") % {
            "n": limits["LOGIN_FAILURE_LIMIT"], "m": limits["LOCKOUT_MINUTES"]}, "locked")
    left = limits["LOGIN_FAILURE_LIMIT"] - failures
    return LoginRefused(_("动态口令错误，再错 %(n)d 次账号将被锁定。") % {"n": left}, "otp_invalid")


def login_second_factor(*, request, user_id: int, code: str) -> User:
    """The second step of an administrator's sign-in: the TOTP code of their device. A wrong code
    counts toward the same lockout as a wrong password; every attempt is audited and throttled."""
    limits = settings.JIGUAN_SECURITY
    ip = context.current().ip
    account = User.objects.filter(pk=user_id, is_active=True).select_related("unit").first()
    if account is None:
        raise LoginRefused(_("登录已失效，请重新输入用户名和密码。"), "expired")
    _throttle_check(ip, account.username, limits)
    try:
        return _login_second_factor(account=account, code=code, limits=limits)
    except LoginRefused:
        _throttle_count(ip, account.username, limits)
        raise


def _login_second_factor(*, account: User, code: str, limits: dict) -> User:
    if account.is_locked:
        audit.record(Action.LOGIN_FAILED, account, actor=account, success=False, message=_("账号已锁定（动态口令）"))
        raise _locked_refusal(account.locked_until)
    device = _second_factor_ready(account)
    counter = otp.matching_counter(otp.secret_of(device), code, after=device.last_counter)
    # A code is good once: the update below takes its time step only if no other sign-in has.
    if counter is None or not OtpDevice.objects.filter(pk=device.pk, last_counter__lt=counter).update(
            last_counter=counter):
        failures = _count_failure(account, limits, _("动态口令错误（第 %(n)d 次）"))
        raise _otp_refusal(failures, limits)
    with transaction.atomic():
        User.objects.filter(pk=account.pk).update(failed_login_count=0, locked_until=None)
        audit.record(Action.LOGIN, account, actor=account, message=_("密码与动态口令验证通过"))
    return account


@transaction.atomic
def otp_enrol(*, user: User) -> tuple[OtpDevice, str]:
    """A new device for ``user`` (the operator's ``manage.py otp_enrol``), replacing any other: not
    usable until confirmed with a code from the authenticator app (otp_confirm). Returns the device
    and its otpauth:// URI (shown once, as a QR code)."""
    secret = otp.new_secret()
    device, _created = OtpDevice.objects.update_or_create(user=user, defaults={
        "secret_encrypted": otp.encrypt(secret), "confirmed_at": None, "last_counter": 0})
    audit.record(Action.UPDATE, user, message=_("绑定新的动态口令设备（待确认）"))
    return device, otp.provisioning_uri(secret, user.username)


@transaction.atomic
def otp_confirm(*, user: User, code: str) -> OtpDevice:
    """Confirm the device ``otp_enrol`` made with the code it shows now."""
    device = OtpDevice.objects.select_for_update().filter(user=user).first()
    secret = otp.secret_of(device) if device is not None else None
    if secret is None:
        raise ValidationError({"code": [_("该账号没有待确认的动态口令设备，请先绑定。")]})
    counter = otp.matching_counter(secret, code, after=device.last_counter)
    if counter is None:
        raise ValidationError({"code": [_("动态口令不正确，请输入验证器当前显示的 6 位数字。")]})
    device.confirmed_at, device.last_counter = timezone.now(), counter
    device.save(update_fields=["confirmed_at", "last_counter"])
    audit.record(Action.UPDATE, user, message=_("确认动态口令设备"))
    return device


def otp_rotate_check(*, user: User, code: str) -> str:
    """The first step of changing one's own device on the account page: the code of the current
    device (a wrong one counts toward the lockout, as at sign-in). Returns the new device's secret,
    which the page keeps until otp_rotate_finish."""
    limits = settings.JIGUAN_SECURITY
    device = _confirmed_device(user)
    secret = otp.secret_of(device) if device is not None else None
    counter = otp.matching_counter(secret, code, after=device.last_counter) if secret else None
    if counter is None or not OtpDevice.objects.filter(pk=device.pk, last_counter__lt=counter).update(
            last_counter=counter):
        failures = _count_failure(user, limits, _("更换动态口令设备时口令错误（第 %(n)d 次）"))
        raise ValidationError({"code": [_otp_refusal(failures, limits).message]})
    return otp.new_secret()


@transaction.atomic
def otp_rotate_finish(*, user: User, secret: str, code: str) -> OtpDevice:
    """Replace the user's device by the one holding ``secret``, once it shows a right code."""
    counter = otp.matching_counter(secret, code)
    if counter is None:
        raise ValidationError({"code": [_("新设备的动态口令不正确，请扫描二维码后输入新验证器显示的 6 位数字。")]})
    device, _created = OtpDevice.objects.update_or_create(user=user, defaults={
        "secret_encrypted": otp.encrypt(secret), "confirmed_at": timezone.now(), "last_counter": counter})
    audit.record(Action.UPDATE, user, message=_("更换动态口令设备"))
    return device


# Roles and assignments (security administrator) ------------------------------------------------

ADMIN_DUTIES = {Duty.SYSTEM, Duty.SECURITY, Duty.AUDIT}


def _check_separation(user: User, role: Role) -> None:
    """三员分立: an administrator duty excludes every other duty, business roles included, so the
    audit administrator reads the audit log and nothing else."""
    if role.duty in ADMIN_DUTIES and user.is_directory_account:
        raise ValidationError({"role": _("三员须为本地账号：%(user)s 是单位目录账号，不能担任“%(role)s”。") % {
            "user": user.display_name, "role": role.get_duty_display()}})
    conflicting = (RoleAssignment.objects.filter(user=user).exclude(role__duty=role.duty)
                   .select_related("role"))
    if role.duty not in ADMIN_DUTIES:
        conflicting = conflicting.filter(role__duty__in=ADMIN_DUTIES)
    other = conflicting.first()
    if other is not None:
        raise ValidationError({"role": _("三员分立：%(user)s 已担任“%(other)s”，不能再担任“%(role)s”。") % {
            "user": user.display_name, "other": other.role.get_duty_display(), "role": role.get_duty_display()}})


@transaction.atomic
def assignment_grant(*, user: User, role: Role, unit: OrgUnit, include_descendants: bool = True,
                     granted_by: User | None = None) -> RoleAssignment:
    if granted_by is not None and granted_by.pk == user.pk:
        raise PermissionDenied(_("不能给自己授权。"))
    # Grants to one user queue on the user's row, so the second of two concurrent grants checks
    # the separation against the first one's committed assignment (三员分立 under concurrency).
    User.objects.select_for_update().filter(pk=user.pk).exists()
    _check_separation(user, role)
    assignment = RoleAssignment(user=user, role=role, unit=unit, include_descendants=include_descendants,
                                granted_by=granted_by)
    _full_clean(assignment)
    assignment.save()
    audit.record(Action.PERMISSION, assignment, after=audit.snapshot(assignment),
                 message=_("授予 %(user)s 角色“%(role)s”，范围：%(unit)s（%(scope)s）") % {
                     "user": user.display_name, "role": role.name, "unit": unit.name,
                     "scope": assignment.scope_label})
    user.clear_permission_cache()
    return assignment


@transaction.atomic
def assignment_revoke(*, assignment: RoleAssignment) -> None:
    before = audit.snapshot(assignment)
    text = _("收回 %(user)s 的角色“%(role)s”（%(unit)s）") % {
        "user": assignment.user.display_name, "role": assignment.role.name, "unit": assignment.unit.name}
    audit.record(Action.PERMISSION, assignment, before=before, message=text)
    assignment.delete()


@transaction.atomic
def role_set_permissions(*, role: Role, permissions) -> Role:
    before = sorted(f"{p.content_type.app_label}.{p.codename}" for p in role.permissions.all())
    role.permissions.set(permissions)
    after = sorted(f"{p.content_type.app_label}.{p.codename}" for p in role.permissions.all())
    audit.record(Action.PERMISSION, role, before={"permissions": before}, after={"permissions": after},
                 message=_("修改角色“%(role)s”的权限") % {"role": role.name})
    return role


# Saved filters (保存的筛选条件) -----------------------------------------------------------------


def _offers_saved_filters(view: str) -> bool:
    """True when ``view`` names a list page without URL arguments that offers saved filters."""
    try:
        match = resolve(reverse(view))
    except NoReverseMatch:
        return False
    cls = getattr(match.func, "view_class", None)
    return bool(getattr(cls, "saved_filters", False) and getattr(cls, "filterset_class", None))


@transaction.atomic
def saved_filter_save(*, user: User, view: str, name: str, query: str) -> SavedFilter:
    """Save the filters ``query`` of the list page ``view`` under ``name`` for ``user``; a filter of
    the same name on that page is replaced. At most ``SavedFilter.MAX_PER_VIEW`` per page."""
    name = name.strip()
    query = filter_querystring(QueryDict(query))
    if not _offers_saved_filters(view):
        raise ValidationError({"view": _("该页面不能保存筛选条件。")})
    if not query:
        raise ValidationError({"query": _("当前没有筛选条件，无需保存。")})
    # Lock the owner's row so two saves at once cannot both pass the limit.
    User.objects.select_for_update().filter(pk=user.pk).exists()
    saved = SavedFilter.objects.filter(user=user, view=view, name=name).first()
    if saved is not None:
        before = audit.snapshot(saved)
        saved.query = query
        _full_clean(saved)
        saved.save(update_fields=["query"])
        audit.record_update(saved, before)
        return saved
    if SavedFilter.objects.filter(user=user, view=view).count() >= SavedFilter.MAX_PER_VIEW:
        raise ValidationError({"name": _("每个列表最多保存 %(n)d 个筛选条件，请先删除不再使用的。") % {
            "n": SavedFilter.MAX_PER_VIEW}})
    saved = SavedFilter(user=user, view=view, name=name, query=query)
    _full_clean(saved)
    saved.save()
    audit.record_create(saved)
    return saved


@transaction.atomic
def saved_filter_delete(*, saved_filter: SavedFilter) -> None:
    audit.record_delete(saved_filter, audit.snapshot(saved_filter))
    saved_filter.delete()


def _list_table(view: str):
    """The table of the list page ``view`` (an ObjectListView without URL arguments), or None."""
    try:
        match = resolve(reverse(view))
    except NoReverseMatch:
        return None
    cls = getattr(match.func, "view_class", None)
    return getattr(cls, "table", None) if cls is not None and hasattr(cls, "paginate_by") else None


@transaction.atomic
def list_columns_save(*, user: User, view: str, columns: list[str]) -> ListColumns | None:
    """Show ``columns`` (keys of the table's columns) on the list page ``view`` for ``user``; an empty
    list or the table's defaults go back to the defaults (the row is removed). Unknown keys are
    refused by name; a column the page always shows (its link) is kept whatever is chosen."""
    table = _list_table(view)
    if table is None:
        raise ValidationError({"view": _("该页面不能设置显示的列。")})
    choosable = {c.key: c for c in table.choosable_columns()}
    unknown = [key for key in columns if key not in choosable]
    if unknown:
        raise ValidationError({"columns": _("没有这些列：%(keys)s。") % {"keys": "、".join(unknown)}})
    chosen = [c.key for c in table.choosable_columns() if c.key in columns or c.link]
    existing = ListColumns.objects.filter(user=user, view=view).first()
    if not columns or chosen == [c.key for c in table.default_columns()]:
        if existing is not None:
            existing.delete()
        return None
    if existing is None:
        return ListColumns.objects.create(user=user, view=view, columns=chosen)
    existing.columns = chosen
    existing.save(update_fields=["columns", "updated_at"])
    return existing


# API tokens (API 令牌) --------------------------------------------------------------------------

TOKEN_KEEP_DAYS = 30  # an expired or revoked named token stays listed this long (the audit log keeps it)


def _apitoken_new(*, user: User, name: str, expires_at, is_named: bool) -> tuple[ApiToken, str]:
    """A new token: the row holds its SM3 digest; the token itself is returned, never stored."""
    now = timezone.now()
    gone = Q(is_named=False, expires_at__lte=now) | Q(revoked_at__lt=now - timedelta(days=TOKEN_KEEP_DAYS)) | Q(
        expires_at__lt=now - timedelta(days=TOKEN_KEEP_DAYS))
    ApiToken.objects.filter(user=user).filter(gone).delete()
    plain = ApiToken.PREFIX + secrets.token_urlsafe(32)  # 256 random bits
    token = ApiToken.objects.create(user=user, name=name, is_named=is_named, digest=ApiToken.digest_of(plain),
                                    hint=plain[:10], expires_at=expires_at)
    return token, plain


@transaction.atomic
def apitoken_login_issue(*, user: User) -> tuple[ApiToken, str]:
    """The token of ``POST /api/v1/auth/token/``: valid for API_TOKEN_MAX_AGE, beside the account's
    other tokens (none is revoked). The sign-in's audit record (登录并签发 API 令牌) covers it."""
    return _apitoken_new(user=user, name=_("接口登录"), expires_at=timezone.now() + settings.API_TOKEN_MAX_AGE,
                         is_named=False)


@transaction.atomic
def apitoken_create(*, user: User, name: str, days: int = ApiToken.NAMED_DEFAULT_DAYS) -> tuple[ApiToken, str]:
    """A named token (one per integrating system) valid for ``days``; returns the row and the token,
    which is shown once."""
    name = (name or "").strip()
    User.objects.select_for_update().filter(pk=user.pk).exists()  # one name per account, even at once
    errors = {}
    if not name:
        errors["name"] = [_("请填写令牌名称。")]
    elif ApiToken.objects.filter(user=user, is_named=True, name=name, revoked_at__isnull=True,
                                 expires_at__gt=timezone.now()).exists():
        errors["name"] = [_("已有名为“%(name)s”的有效令牌，请换一个名称或先撤销它。") % {"name": name}]
    if not isinstance(days, int) or not 1 <= days <= ApiToken.NAMED_MAX_DAYS:
        errors["days"] = [_("有效期为 1 至 %(max)d 天。") % {"max": ApiToken.NAMED_MAX_DAYS}]
    if errors:
        raise ValidationError(errors)
    token, plain = _apitoken_new(user=user, name=name[:60], expires_at=timezone.now() + timedelta(days=days),
                                 is_named=True)
    audit.record(Action.TOKEN, token, after={"name": token.name, "hint": token.hint,
                                             "expires_at": token.expires_at},
                 message=_("签发 API 令牌“%(name)s”，有效期 %(days)d 天") % {"name": token.name, "days": days})
    return token, plain


@transaction.atomic
def apitoken_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke one token at once; the account's other tokens keep working."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(Action.TOKEN_REVOKE, token, before={"name": token.name, "hint": token.hint},
                     message=_("撤销 API 令牌“%(name)s”") % {"name": token.name})
    return token
