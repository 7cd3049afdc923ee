"""Built-in roles follow the modules that declare them: a role whose module (a plug-in) is no longer
installed is switched off at the next migrate (``roles.sync_builtin_roles``), grants nothing and is
no longer listed on the home page, keeps its row and assignments, and comes back with its module.
A built-in role the security administrator switched off stays off."""

from __future__ import annotations

import pytest

from jiguan.audit.models import Action, AuditEvent
from jiguan.core.context import acting_as
from jiguan.org import roles, services
from jiguan.org.models import Duty, Role


@pytest.fixture
def plugin_role(users, tree):
    """A role declared by a module, held by a member of staff of city A."""
    roles.register("seal_keeper_test", "印章管理员（测试）", Duty.BUSINESS, "测试插件的角色", {"org.view_user"})
    roles.sync_builtin_roles()
    role = Role.objects.get(code="seal_keeper_test")
    with acting_as(users["secadmin"]):
        services.assignment_grant(user=users["staff"], role=role, unit=tree.city_a)
    yield role
    roles.BUILTIN_ROLES.pop("seal_keeper_test", None)


def test_a_role_whose_module_is_gone_is_switched_off_and_comes_back_with_it(plugin_role, users, client_for):
    staff = users["staff"]
    assert staff.has_perm("org.view_user") and "印章管理员（测试）" in client_for(staff).get("/").content.decode()

    spec = roles.BUILTIN_ROLES.pop("seal_keeper_test")  # the plug-in is uninstalled, then migrate runs
    roles.sync_builtin_roles()
    role = Role.objects.get(pk=plugin_role.pk)
    assert not role.is_active and role.retired_at is not None and role.assignments.count() == 1
    staff = type(staff).objects.get(pk=staff.pk)
    assert not staff.has_perm("org.view_user")
    assert "印章管理员（测试）" not in client_for(staff).get("/").content.decode()
    record = AuditEvent.objects.filter(object_type="org.role", object_id=str(role.pk), action=Action.STATE).get()
    assert record.after == {"is_active": False} and "模块已卸载" in record.message

    roles.sync_builtin_roles()  # a second migrate changes nothing and records nothing
    assert AuditEvent.objects.filter(object_type="org.role", object_id=str(role.pk), action=Action.STATE).count() == 1

    roles.BUILTIN_ROLES["seal_keeper_test"] = spec  # installed again
    roles.sync_builtin_roles()
    role.refresh_from_db()
    assert role.is_active and role.retired_at is None
    staff = type(staff).objects.get(pk=staff.pk)
    assert staff.has_perm("org.view_user")


def test_a_built_in_role_switched_off_by_the_security_administrator_stays_off(users):
    Role.objects.filter(code="staff").update(is_active=False)
    roles.sync_builtin_roles()
    role = Role.objects.get(code="staff")
    assert not role.is_active and role.retired_at is None
