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

from .models import (
    CREDIT_CODE_TAKEN,
    CREDIT_CODE_UNIQUE,
    PATH_SEPARATOR,
    ApiToken,
    Duty,
    OrgUnit,
    Role,
    RoleAssignment,
    SavedFilter,
    User,
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


def _unknown_login(username: str, password: str, limits: dict) -> LoginRefused:
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
                 object_repr=username[:150], message=_("账号不存在"))
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


def _login_attempt(*, request, username, password, limits, success_action, success_message) -> User:
    account = User.objects.filter(username=username).select_related("unit").first()
    if account is None:
        raise _unknown_login(username, password, limits)
    if account.is_locked:
        make_password(password)  # the same work as every other refusal
        audit.record(Action.LOGIN_FAILED, account, actor=account, success=False, message=_("账号已锁定"))
        raise _locked_refusal(account.locked_until)
    if account.locked_until is not None:  # a lock that has run out: start counting afresh
        User.objects.filter(pk=account.pk).update(failed_login_count=0, locked_until=None)
    user = authenticate(request, username=username, password=password)
    if user is None:
        with transaction.atomic():
            User.objects.filter(pk=account.pk).update(failed_login_count=F("failed_login_count") + 1)
            account.refresh_from_db(fields=["failed_login_count"])
            locked = account.failed_login_count >= limits["LOGIN_FAILURE_LIMIT"]
            if locked:
                until = timezone.now() + timedelta(minutes=limits["LOCKOUT_MINUTES"])
                User.objects.filter(pk=account.pk).update(locked_until=until)
            audit.record(Action.LOGIN_FAILED, account, actor=account, success=False,
                         message=_("密码错误（第 %(n)d 次）") % {"n": account.failed_login_count})
            if locked:
                audit.record(Action.LOCK, account, actor=account,
                             message=_("连续 %(n)d 次登录失败，锁定 %(m)d 分钟") % {
                                 "n": account.failed_login_count, "m": limits["LOCKOUT_MINUTES"]})
        raise _refusal(account.failed_login_count, limits)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
        audit.record(success_action, user, actor=user, message=success_message)
    return user


# Roles and assignments (security administrator) ------------------------------------------------

ADMIN_DUTIES = {Duty.SYSTEM, Duty.SECURITY, Duty.AUDIT}


def _check_separation(user: User, role: Role) -> None:
    """三员分立: an administrator duty excludes every other duty, business roles included, so the
    audit administrator reads the audit log and nothing else."""
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
