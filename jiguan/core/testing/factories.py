"""Test-data factories, one per model, so kernel tests can make any module's objects without importing
the module: the scope walk and the list query counts (``core/tests/test_scope_walk.py``) and the
contract bases (``core.testing.contracts``).

An app registers its factories in ``<app>/tests/factories.py`` (found by ``autodiscover()``):

    from jiguan.core.testing import factories

    @factories.factory(Vehicle, marker=lambda v: v.plate)
    def vehicle(unit):
        with acting_as(factories.person(unit, "vehicle_dispatcher")):
            return services.vehicle_create(unit=unit, plate=f"闽A·{factories.serial():05d}", model_name="汉")

A factory makes one new object owned by ``unit`` (for a document between two units, both inside
``unit``'s subtree), through the app's services as a user would, and returns it. Each call makes
another one, so a test can grow a list. What else the kernel needs to know:

- ``marker(obj)``: a text that identifies the object on its own pages and in its Excel export (a
  code, a number); default ``str(obj)``. ``leak_check=False`` when the marker may rightly show on
  another city's pages (a unit's name: a transfer may go to any unit).
- ``seen_by(obj)``: users besides the holder of the permission over the unit who see the object
  (an owner of personal rows, an applicant, an approver).
- ``url_kwargs(obj)``: what the object's URLs take, default ``{"pk": obj.pk}`` (add e.g. ``code``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.utils.module_loading import autodiscover_modules

from jiguan.core.context import acting_as


@dataclass(frozen=True)
class Factory:
    model: type
    make: Callable
    marker: Callable = str
    leak_check: bool = True
    seen_by: Callable | None = None
    url_kwargs: Callable | None = None

    def kwargs_for(self, obj) -> dict:
        return self.url_kwargs(obj) if self.url_kwargs else {"pk": obj.pk}

    def viewers(self, obj) -> list:
        """Users who see ``obj`` whatever their permissions: its owner (personal rows) and ``seen_by``."""
        found = list(self.seen_by(obj)) if self.seen_by else []
        owner = getattr(self.model, "scope_owner", None)
        if owner:
            found.insert(0, getattr(obj, owner))
        return found


_factories: dict[str, Factory] = {}
_serial = itertools.count(1)


def serial() -> int:
    """A number never handed out before in this test process (for unique names and codes)."""
    return next(_serial)


def register(model, make: Callable, *, marker: Callable | None = None, leak_check: bool = True,
             seen_by: Callable | None = None, url_kwargs: Callable | None = None) -> Factory:
    entry = Factory(model=model, make=make, marker=marker or str, leak_check=leak_check, seen_by=seen_by,
                    url_kwargs=url_kwargs)
    _factories[model._meta.label] = entry
    return entry


def factory(model, **options):
    """Decorator form of ``register``."""
    def decorate(make):
        register(model, make, **options)
        return make
    return decorate


def get(model) -> Factory | None:
    autodiscover()
    return _factories.get(model._meta.label)


def make(model, unit):
    entry = get(model)
    if entry is None:
        raise LookupError(f"no test factory for {model._meta.label}: register one in "
                          f"jiguan/{model._meta.app_label}/tests/factories.py (jiguan.core.testing.factories)")
    return entry.make(unit)


def registered() -> dict[str, Factory]:
    autodiscover()
    return dict(_factories)


_discovered = False


def autodiscover() -> None:
    """Import ``<app>.tests.factories`` of every installed jiguan app (once)."""
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("tests.factories")


# People ---------------------------------------------------------------------------------------------


def person(unit, role: str | None = None, *, subtree: bool = True):
    """The user of ``unit`` holding ``role`` over it (and below, with ``subtree``), made on first use
    and reused afterwards: the actor a factory writes as, an approver."""
    from jiguan.core.testing import make_user
    from jiguan.org.models import User

    username = f"f_{role or 'plain'}_{unit.pk}{'' if subtree else '_only'}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = make_user(username, unit, [(role, unit, subtree)] if role else [])
    return user


def root_of(unit):
    from jiguan.org.models import OrgUnit

    return OrgUnit.objects.get(pk=int(unit.path.strip("/").split("/")[0]))


# The bottom layer's models (org, audit, notifications; workflow's and standards' are in their apps'
# tests/factories.py) ----------------------------------------------------------------------------------
# Each factory writes through the app's services where one exists; a row without a service of its
# own (a notification) is created as its writers create it.


def _org():
    from jiguan.org import services
    from jiguan.org.models import OrgKind

    return services, OrgKind


def make_unit(unit):
    services, OrgKind = _org()
    with acting_as(None, channel="command"):
        return services.orgunit_create(parent=unit, kind=OrgKind.DEPARTMENT, name=f"契约测试科{serial()}")


def make_plain_user(unit):
    from jiguan.core.testing import make_user

    return make_user(f"f_user_{serial()}", unit, full_name=f"契约测试员{serial()}")


def make_assignment(unit):
    from jiguan.core.testing import make_user
    from jiguan.org.models import Role, RoleAssignment

    user = make_user(f"f_granted_{serial()}", unit)
    services, _kind = _org()
    with acting_as(None, channel="command"):
        services.assignment_grant(user=user, role=Role.objects.get(code="staff"), unit=unit, include_descendants=False)
    return RoleAssignment.objects.get(user=user)


def make_role(unit):
    from django.contrib.auth.models import Permission

    from jiguan.core.services import generic_create
    from jiguan.org.models import Duty, Role

    n = serial()
    with acting_as(None, channel="command"):
        role = generic_create(Role(code=f"contract-role-{n}", name=f"契约测试角色{n}", duty=Duty.BUSINESS))
    role.permissions.set(Permission.objects.filter(codename="view_orgunit"))
    return role


def make_saved_filter(unit):
    from jiguan.org import services

    owner = person(unit)
    with acting_as(owner):
        return services.saved_filter_save(user=owner, view="org:user_list", name=f"契约筛选{serial()}",
                                          query="q=契约")


def make_api_token(unit):
    from jiguan.org import services

    owner = person(unit)
    with acting_as(owner):
        token, _plain = services.apitoken_create(user=owner, name=f"契约令牌{serial()}", days=30)
    return token


def make_audit_event(unit):
    from jiguan.audit import services
    from jiguan.audit.models import Action

    return services.record(Action.EXPORT, actor=person(unit), object_type_label="org.orgunit",
                           object_repr=f"契约审计{serial()}", message="契约测试")


def make_notification(unit):
    from jiguan.notifications import services

    [row] = services.notify(recipients=[person(unit)], title=f"契约通知{serial()}", url="/")
    return row


def _kernel() -> None:
    model = apps.get_model
    register(model("org", "OrgUnit"), make_unit, marker=lambda u: u.name, leak_check=False)
    register(model("org", "User"), make_plain_user, marker=lambda u: u.username)
    register(model("org", "RoleAssignment"), make_assignment, marker=lambda a: a.user.username)
    register(model("org", "Role"), make_role, marker=lambda r: r.name)
    register(model("org", "SavedFilter"), make_saved_filter, marker=lambda f: f.name)
    register(model("org", "ApiToken"), make_api_token, marker=lambda t: t.name)
    register(model("audit", "AuditEvent"), make_audit_event, marker=lambda e: e.object_repr)
    register(model("notifications", "Notification"), make_notification, marker=lambda n: n.title)


_kernel()
