"""Organisation tree (组织机构), users, roles and role assignments (data scope)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import (
    AbstractUser,
    Permission,
    UserManager,
    _user_has_module_perms,
    _user_has_perm,
)
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiguan.core.models import TimeStampedModel
from jiguan.core.pinyin import InitialsField
from jiguan.core.scoping import EMPTY_SCOPE, Grant, Scope, ScopedManager, ScopedQuerySet

from .validators import credit_code_error, validate_region_code

PATH_SEPARATOR = "/"


class OrgKind(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡镇级")
    AGENCY = "agency", _("机关")
    INSTITUTION = "institution", _("事业单位")
    DEPARTMENT = "department", _("内设机构")


ADMINISTRATIVE_KINDS = {OrgKind.PROVINCE, OrgKind.CITY, OrgKind.COUNTY, OrgKind.TOWNSHIP}
CREDIT_CODE_KINDS = {OrgKind.AGENCY, OrgKind.INSTITUTION}

# One unit per unified social credit code, whatever the case it was typed in: a unique index on
# UPPER(credit_code) over the units that have one. The model's validation, the page, the API and the
# importer all answer with this message; the index is what holds under concurrent writes.
CREDIT_CODE_UNIQUE = "org_unit_credit_code_unique"
CREDIT_CODE_TAKEN = _("该统一社会信用代码已被其他单位使用：一个统一社会信用代码只能登记一个单位。")


class OrgUnitQuerySet(ScopedQuerySet):
    def subtree(self, unit: OrgUnit):
        """The unit and everything below it: one indexed prefix match."""
        return self.filter(path__startswith=unit.path)

    def active(self):
        return self.filter(is_active=True)


class OrgUnitManager(ScopedManager.from_queryset(OrgUnitQuerySet)):
    pass


class OrgUnit(TimeStampedModel):
    """A node of the organisation tree (全区一张网), from the province down to internal departments.

    ``path`` is a materialized path of primary keys ("/1/7/42/"): a subtree is one indexed
    ``LIKE 'prefix%'`` match, and a move rewrites the paths of the subtree in one UPDATE.
    """

    scope_path = "path"

    kind = models.CharField(_("类型"), max_length=16, choices=OrgKind.choices)
    name = models.CharField(_("名称"), max_length=120)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    # 福州市教育局 -> fzsjyj, for the unit picker; filled on save and by bulk inserts (InitialsField).
    name_initials = InitialsField(_("名称拼音首字母"))
    region_code = models.CharField(_("行政区划代码"), max_length=6, blank=True,
                                   help_text=_("GB/T 2260 六位代码，行政层级必填。"))
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    credit_code_override = models.BooleanField(
        _("信用代码人工确认"), default=False,
        help_text=_("登记机关特例：校验位不符但经人工核实，须填写原因。"))
    credit_code_override_reason = models.CharField(_("人工确认原因"), max_length=200, blank=True)
    parent = models.ForeignKey("self", verbose_name=_("上级单位"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    path = models.CharField(_("路径"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("层级"), default=0, editable=False)
    sort_order = models.IntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = OrgUnitManager()

    class Meta:
        verbose_name = _("组织机构")
        verbose_name_plural = _("组织机构")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["parent", "sort_order"], name="org_unit_children"),
            models.Index(fields=["kind"], name="org_unit_kind"),
            # Subtree = path LIKE 'prefix%': on PostgreSQL this needs the pattern operator class.
            models.Index(fields=["path"], name="org_unit_path_prefix", opclasses=["varchar_pattern_ops"]),
            # The picker's pinyin-initials prefix (fzsjyj...), whatever the database collation.
            models.Index(fields=["name_initials"], name="org_unit_initials_prefix",
                         opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.UniqueConstraint(Upper("credit_code"), name=CREDIT_CODE_UNIQUE, condition=~Q(credit_code=""),
                                    violation_error_code="credit_code_taken",
                                    violation_error_message=CREDIT_CODE_TAKEN),
        ]
        permissions = [("move_orgunit", _("可以移动组织机构")), ("import_orgunit", _("可以导入组织机构"))]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name

    def get_absolute_url(self) -> str:
        return reverse("org:unit_detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.kind in ADMINISTRATIVE_KINDS:
            if not self.region_code:
                errors.setdefault("region_code", []).append(_("行政层级单位必须填写行政区划代码。"))
            else:
                try:
                    validate_region_code(self.region_code)
                except ValidationError as exc:
                    errors.setdefault("region_code", []).extend(exc.messages)
        elif self.region_code:
            try:
                validate_region_code(self.region_code)
            except ValidationError as exc:
                errors.setdefault("region_code", []).extend(exc.messages)
        if self.credit_code:
            self.credit_code = self.credit_code.strip().upper()
            problem = credit_code_error(self.credit_code)
            if problem and not self.credit_code_override:
                errors.setdefault("credit_code", []).append(problem)
            if self.credit_code_override and not self.credit_code_override_reason.strip():
                errors.setdefault("credit_code_override_reason", []).append(
                    _("人工确认信用代码时必须填写原因。"))
        if self.parent_id and self.pk and self.parent_id == self.pk:
            errors.setdefault("parent", []).append(_("上级单位不能是本单位。"))
        if self.parent_id and self.pk and self.path and self.parent.path.startswith(self.path):
            errors.setdefault("parent", []).append(_("不能把单位移动到它自己的下级单位之下。"))
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None):
        """Django reports a constraint over an expression as a non-field error: put the credit
        code's under its field, where the page and the API show it."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict({})
            general = errors.pop(NON_FIELD_ERRORS, [])
            taken = [e for e in general if getattr(e, "code", None) == "credit_code_taken"]
            if taken:
                errors.setdefault("credit_code", []).extend(taken)
            if len(taken) < len(general):
                errors[NON_FIELD_ERRORS] = [e for e in general if e not in taken]
            raise ValidationError(errors) from exc

    def ancestors(self):
        """Root first, self excluded. One query."""
        ids = [int(p) for p in self.path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR)[:-1] if p]
        by_id = {u.pk: u for u in OrgUnit.objects.filter(pk__in=ids)}
        return [by_id[i] for i in ids if i in by_id]

    def is_descendant_of(self, other: OrgUnit) -> bool:
        return self.path.startswith(other.path) and self.pk != other.pk


class ScopedUserManager(UserManager.from_queryset(ScopedQuerySet)):
    use_in_migrations = True


class UserSource(models.TextChoices):
    """Where an account's password is checked: here, or in the province's directory (统一身份认证)."""

    LOCAL = "local", _("本地账号")
    LDAP = "ldap", _("单位目录（LDAP）")
    OIDC = "oidc", _("统一身份认证（OIDC）")


class User(AbstractUser):
    """A person who signs in. Belongs to one unit; what they may do comes from role assignments."""

    scope_path = "unit__path"

    unit = models.ForeignKey(OrgUnit, verbose_name=_("所属单位"), on_delete=models.PROTECT,
                             related_name="users", null=True, blank=True)
    full_name = models.CharField(_("姓名"), max_length=60, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    failed_login_count = models.PositiveSmallIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    # A directory account (created at its first sign-in) has an unusable local password: the
    # directory checks it, and the name, contact details and unit are refreshed from it each time.
    source = models.CharField(_("账号来源"), max_length=8, choices=UserSource.choices, default=UserSource.LOCAL)

    objects = ScopedUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["unit__path", "username"]
        permissions = [("unlock_user", _("可以解锁用户"))]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def get_absolute_url(self) -> str:
        return reverse("org:user_detail", args=[self.pk])

    # Permissions and scope, resolved once per request ------------------------------------------
    def role_assignments(self) -> list[RoleAssignment]:
        """The user's assignments of active roles, with their unit, role and permissions: one query
        and its prefetch, kept for the request like the grants built from them (the menu's
        ``takes_part`` and the to-do routing read them too)."""
        if getattr(self, "_jiguan_assignments", None) is None:
            assignments = []
            if self.pk:
                permissions = models.Prefetch("role__permissions", Permission.objects.select_related("content_type"))
                assignments = list(RoleAssignment.objects.filter(user=self, role__is_active=True)
                                   .select_related("unit", "role").prefetch_related(permissions))
            self._jiguan_assignments = assignments
        return self._jiguan_assignments

    def _grants_by_permission(self) -> dict[str, set[Grant]]:
        cached = getattr(self, "_jiguan_grants", None)
        if cached is not None:
            return cached
        grants: dict[str, set[Grant]] = {}
        if self.is_active and self.pk:
            for assignment in self.role_assignments():
                grant = Grant(assignment.unit.path, assignment.include_descendants)
                for perm in assignment.role.permissions.all():
                    grants.setdefault(f"{perm.content_type.app_label}.{perm.codename}", set()).add(grant)
        self._jiguan_grants = grants
        return grants

    def get_scope(self, perm: str) -> Scope:
        grants = self._grants_by_permission().get(perm)
        if not grants:
            return EMPTY_SCOPE
        is_global = any(g.subtree and g.path.count(PATH_SEPARATOR) == 2 for g in grants)
        return Scope(grants=tuple(sorted(grants, key=lambda g: g.path)), is_global=is_global)

    def jiguan_permissions(self) -> set[str]:
        return set(self._grants_by_permission())

    # No all-powerful account: unlike PermissionsMixin, ``is_superuser`` is no shortcut to True.
    def has_perm(self, perm, obj=None) -> bool:
        return self.is_active and _user_has_perm(self, perm, obj)

    def has_module_perms(self, app_label) -> bool:
        return self.is_active and _user_has_module_perms(self, app_label)

    def clear_permission_cache(self) -> None:
        for attr in ("_jiguan_grants", "_jiguan_assignments", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
            self.__dict__.pop(attr, None)

    @property
    def is_locked(self) -> bool:
        return bool(self.locked_until and self.locked_until > timezone.now())

    @property
    def is_directory_account(self) -> bool:
        return self.source != UserSource.LOCAL

    @property
    def password_expired(self) -> bool:
        if self.is_directory_account:  # the directory's own password policy applies
            return False
        max_age = settings.JIGUAN_SECURITY["PASSWORD_MAX_AGE_DAYS"]
        if not max_age:
            return False
        if self.password_changed_at is None:
            return True
        return (timezone.now() - self.password_changed_at).days >= max_age


class Duty(models.TextChoices):
    """Separation of duties (三员分立): the three administrator duties exclude each other."""

    SYSTEM = "system", _("系统管理员")
    SECURITY = "security", _("安全管理员")
    AUDIT = "audit", _("审计管理员")
    BUSINESS = "business", _("业务角色")


class Role(TimeStampedModel):
    """A named set of permissions. Shared by every unit of the tenant."""

    scope_global = True  # a role definition is configuration, the same for every unit

    code = models.SlugField(_("编码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=60, unique=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    duty = models.CharField(_("职责类别"), max_length=16, choices=Duty.choices, default=Duty.BUSINESS)
    permissions = models.ManyToManyField(Permission, verbose_name=_("权限"), blank=True)
    is_builtin = models.BooleanField(_("内置"), default=False, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    # A built-in role whose module (a plug-in) is no longer installed: switched off by
    # roles.sync_builtin_roles, and on again when the module comes back.
    retired_at = models.DateTimeField(_("模块卸载时间"), null=True, blank=True, editable=False)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["duty", "code"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:role_detail", args=[self.pk])


class RoleAssignment(TimeStampedModel):
    """A user holds a role over a unit, alone or with everything below it."""

    scope_path = "unit__path"

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="assignments")
    role = models.ForeignKey(Role, verbose_name=_("角色"), on_delete=models.PROTECT, related_name="assignments")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("管理范围单位"), on_delete=models.PROTECT,
                             related_name="role_assignments")
    include_descendants = models.BooleanField(_("含下级单位"), default=True)
    granted_by = models.ForeignKey(User, verbose_name=_("授权人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = ScopedManager()

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        ordering = ["user__username", "role__code"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="org_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.unit}"

    def get_absolute_url(self) -> str:
        return reverse("org:user_detail", args=[self.user_id])

    @property
    def scope_label(self) -> str:
        return _("本单位及下级") if self.include_descendants else _("仅本单位")


def users_with_permission(perm: str, unit: OrgUnit):
    """Users who hold ``perm`` over ``unit`` (for approvers and notifications)."""
    app_label, codename = perm.split(".", 1)
    ancestors = path_prefixes(unit.path)
    return User.objects.filter(
        Q(assignments__unit__path=unit.path) | Q(assignments__unit__path__in=ancestors,
                                                 assignments__include_descendants=True),
        assignments__role__permissions__codename=codename,
        assignments__role__permissions__content_type__app_label=app_label,
        is_active=True,
    ).distinct()


def path_prefixes(path: str) -> list[str]:
    """The paths of a unit and every unit above it, root first ("/1/", "/1/5/", "/1/5/9/")."""
    parts = path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR)
    return [PATH_SEPARATOR + PATH_SEPARATOR.join(parts[:i]) + PATH_SEPARATOR for i in range(1, len(parts) + 1)]


class SavedFilter(models.Model):
    """A list page's filters saved under a name (保存的筛选条件). Personal: only its owner sees it."""

    scope_owner = "user"  # personal rows: restrict() keeps the requesting user's own

    MAX_PER_VIEW = 20

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="saved_filters")
    view = models.CharField(_("列表页面"), max_length=100)  # the list view's URL name, "assets:asset_list"
    name = models.CharField(_("名称"), max_length=60)
    query = models.CharField(_("筛选条件"), max_length=1000)  # the querystring without page/export
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("保存的筛选条件")
        verbose_name_plural = _("保存的筛选条件")
        ordering = ["name"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["user", "view", "name"], name="org_savedfilter_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        """The list page with the saved filters applied."""
        return f"{reverse(self.view)}?{self.query}"


class ListColumns(models.Model):
    """The columns a user chose for a list page (列设置): the page shows these instead of its
    default ones. Personal: only its owner sees it; one row per user and page."""

    scope_owner = "user"

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="list_columns")
    view = models.CharField(_("列表页面"), max_length=100)  # the list view's URL name, "assets:asset_list"
    columns = models.JSONField(_("显示的列"), default=list)  # column keys, in the table's order
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("列表列设置")
        verbose_name_plural = _("列表列设置")
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["user", "view"], name="org_listcolumns_unique")]

    def __str__(self) -> str:
        return self.view


class ApiTokenStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    EXPIRED = "expired", _("已过期")
    REVOKED = "revoked", _("已撤销")


class ApiToken(models.Model):
    """An API token (API 令牌) of one account. Only the token's SM3 digest is stored: the token is
    shown once, when it is issued. An account holds several, each with its expiry and each revocable:
    named ones (one per integrating system, issued on the API 令牌 page or ``/api/v1/auth/tokens/``)
    and the short-lived ones ``POST /api/v1/auth/token/`` issues for a username and password."""

    scope_owner = "user"  # personal rows: only the owner lists or revokes them

    PREFIX = "jg_"
    NAMED_DEFAULT_DAYS = 90
    NAMED_MAX_DAYS = 366

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=60)
    is_named = models.BooleanField(_("命名令牌"), default=True)  # False: issued by POST /api/v1/auth/token/
    digest = models.CharField(_("摘要 (SM3)"), max_length=64, unique=True)
    hint = models.CharField(_("令牌开头"), max_length=12)  # the first characters, to tell tokens apart
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at", "-id"]
        default_permissions = ()

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.new("sm3", token.encode()).hexdigest()

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return ApiTokenStatus.REVOKED
        if self.expires_at <= timezone.now():
            return ApiTokenStatus.EXPIRED
        return ApiTokenStatus.ACTIVE

    def get_status_display(self) -> str:
        return ApiTokenStatus(self.status).label


class OtpDevice(models.Model):
    """The second factor (动态口令) of an administrator (三员): a TOTP secret (RFC 6238, six digits,
    30 s), as authenticator apps read it from an otpauth:// QR code.

    The secret is stored encrypted (Fernet, with a key derived from SECRET_KEY; SECRET_KEY_FALLBACKS
    still read older ones): a copy of the database alone does not give the codes. ``last_counter``
    is the time step of the last accepted code, so a code is accepted once (no replay)."""

    # Never listed or shown: read only by its own user's sign-in and device page, and by otp_enrol.
    scope_global = True

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE,
                                related_name="otp_device")
    secret_encrypted = models.TextField(_("密钥（加密）"), editable=False)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    last_counter = models.BigIntegerField(_("最近使用的时间步"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("动态口令设备")
        verbose_name_plural = _("动态口令设备")
        default_permissions = ()

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None
