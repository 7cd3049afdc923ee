"""Built-in roles (内置角色). Apps contribute permissions to them in their AppConfig.ready(), so the
assets app adds asset permissions to the asset manager without org knowing about assets.

The three administrator roles are separated (三员分立): their permission sets are disjoint, and
``services.assignment_grant`` refuses to give one person two duties.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .models import Duty


@dataclass
class BuiltinRole:
    code: str
    name: str
    duty: str
    description: str
    permissions: set[str] = field(default_factory=set)


BUILTIN_ROLES: dict[str, BuiltinRole] = {
    "system_admin": BuiltinRole(
        "system_admin", _("系统管理员"), Duty.SYSTEM,
        _("维护组织机构、用户账号和系统配置；不能查看审计日志，不能授权。"),
        {"org.view_orgunit", "org.add_orgunit", "org.change_orgunit", "org.move_orgunit", "org.import_orgunit",
         "org.view_user", "org.add_user", "org.change_user"},
    ),
    "security_admin": BuiltinRole(
        "security_admin", _("安全管理员"), Duty.SECURITY,
        _("管理角色、授权和安全策略，解锁账号；不能维护组织和业务数据，不能查看审计日志。"),
        {"org.view_role", "org.add_role", "org.change_role", "org.view_roleassignment",
         "org.add_roleassignment", "org.delete_roleassignment", "org.unlock_user", "org.view_user",
         "org.view_orgunit"},
    ),
    "audit_admin": BuiltinRole(
        "audit_admin", _("审计管理员"), Duty.AUDIT,
        _("查阅审计日志，其他一概不能操作。"),
        {"audit.view_auditevent"},
    ),
    "asset_manager": BuiltinRole(
        "asset_manager", _("资产管理员"), Duty.BUSINESS,
        _("管理本单位（及下级单位）的资产。"),
        {"org.view_orgunit", "org.view_user"},
    ),
    "leader": BuiltinRole(
        "leader", _("领导查阅"), Duty.BUSINESS,
        _("查看本级及下级单位的首页看板、资产和报表，逐级下钻；不办理业务。"),
        {"org.view_orgunit"},
    ),
    "staff": BuiltinRole(
        "staff", _("普通工作人员"), Duty.BUSINESS,
        _("服务对象：申请用车、预订会议室、报修、借用公物等。"),
        {"org.view_orgunit"},
    ),
}


def contribute(role_code: str, permissions: set[str]) -> None:
    """Add permissions to a built-in role (called from an app's ready())."""
    BUILTIN_ROLES[role_code].permissions |= set(permissions)


def register(code: str, name, duty: str, description, permissions: set[str] = frozenset()) -> BuiltinRole:
    """Declare a new built-in role (called from an app's ready()), e.g. the standards app's
    标准审核人. Idempotent: declaring an existing code again only adds the permissions."""
    role = BUILTIN_ROLES.setdefault(code, BuiltinRole(code, name, duty, description))
    if role.duty != duty:
        raise ValueError(f"built-in role {code} is already declared with duty {role.duty}")
    role.permissions |= set(permissions)
    return role


def sync_builtin_roles(using: str = "default", verbosity: int = 0) -> None:
    """Create or update the built-in roles with exactly their declared permissions. Idempotent."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Permission

    from .models import Role

    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    perms = {f"{p.content_type.app_label}.{p.codename}": p
             for p in Permission.objects.using(using).select_related("content_type")}
    for spec in BUILTIN_ROLES.values():
        missing = spec.permissions - perms.keys()
        if missing:
            raise LookupError(f"built-in role {spec.code} names unknown permissions: {sorted(missing)}")
        role, _created = Role.objects.using(using).update_or_create(
            code=spec.code,
            defaults={"name": str(spec.name), "duty": spec.duty, "description": str(spec.description),
                      "is_builtin": True},
        )
        role.permissions.set([perms[p] for p in spec.permissions])
        if role.retired_at is not None:  # its module is back: as it was before it left
            Role.objects.using(using).filter(pk=role.pk).update(is_active=True, retired_at=None)
    _retire_undeclared(using)


def _retire_undeclared(using: str) -> None:
    """Built-in roles no module declares any more (a plug-in uninstalled) are switched off, so they
    grant nothing and no page offers them; the row and its assignments stay (data), and the role
    comes back with its module. Each is audited."""
    from django.utils import timezone

    from jiguan.audit import services as audit
    from jiguan.audit.models import Action
    from jiguan.core.context import acting_as

    from .models import Role

    gone = list(Role.objects.using(using).filter(is_builtin=True, retired_at__isnull=True)
                .exclude(code__in=list(BUILTIN_ROLES)))
    if not gone:
        return
    now = timezone.now()
    Role.objects.using(using).filter(pk__in=[r.pk for r in gone]).update(is_active=False, retired_at=now,
                                                                         updated_at=now)
    with acting_as(None, channel="command"):
        for role in gone:
            audit.record(Action.STATE, role, before={"is_active": role.is_active}, after={"is_active": False},
                         message=str(_("声明该角色的模块已卸载，角色停用")))
