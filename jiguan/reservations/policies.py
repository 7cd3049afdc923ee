"""Who may do what with a resource's bookings: one function per operation, asked by the services
(and by pages, to show a button). Each raises PermissionDenied with a Chinese message; ``may_*``
answer yes or no for lists and calendars.

- **manage** a resource (its bookings, blockings, rules): the kind's ``manage_permission`` over the
  resource's unit (a room's managers: 会议室管理员 of the compound's managing unit).
- **book** it: its managers, and whoever its ``open_to`` admits (the listed units and their
  subtrees, holders of the listed roles, or everyone).
- **see** a booking's subject and people: whoever may book the resource, the booking's own people,
  the resource's managers. Anyone else sees neither the resource nor its bookings (404).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from jiguan.org.models import PATH_SEPARATOR

from . import registry


def _prefixes(path: str) -> set[str]:
    parts = [p for p in (path or "").split(PATH_SEPARATOR) if p]
    return {PATH_SEPARATOR + PATH_SEPARATOR.join(parts[:i]) + PATH_SEPARATOR for i in range(1, len(parts) + 1)}


def may_manage(user, resource) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return user.has_perm(registry.get(resource.kind).manage_permission, resource)


def may_book(user, resource) -> bool:
    """Whether ``user`` may book ``resource``. Reads ``allowed_units`` / ``allowed_roles`` (prefetch
    them for a list) and the user's unit path."""
    from .models import OpenTo

    if user is None or not user.is_authenticated or not getattr(user, "unit_id", None):
        return False
    if may_manage(user, resource):
        return resource.is_active
    if not resource.is_active:
        return False
    if resource.open_to == OpenTo.ALL:
        return True
    if resource.open_to == OpenTo.ROLES:
        held = {a.role_id for a in user.role_assignments()}
        return any(r.pk in held for r in resource.allowed_roles.all())
    mine = _prefixes(user.unit.path)
    units = list(resource.allowed_units.all())
    if not units:
        return resource.unit.path in mine
    return any(u.path in mine for u in units)


def may_see(user, resource) -> bool:
    """Whether the resource (its page, its schedule with subjects) is shown to ``user``: its
    managers, whoever may book it, and holders of the kind's ``view_permission`` over its unit (the
    approvers of its bookings, the service staff)."""
    if may_manage(user, resource) or may_book(user, resource):
        return True
    permission = registry.get(resource.kind).view_permission
    return bool(permission) and user.has_perm(permission, resource)


def is_party(user, reservation) -> bool:
    return user is not None and user.is_authenticated and user.pk in (reservation.booked_by_id,
                                                                       reservation.booked_for_id)


def may_see_booking(user, reservation) -> bool:
    return is_party(user, reservation) or may_see(user, reservation.resource)


def book(actor, resource) -> None:
    if not may_book(actor, resource):
        if not resource.is_active:
            raise PermissionDenied(_("%(name)s 目前不可预订。") % {"name": resource.name})
        raise PermissionDenied(_("您所在单位不在 %(name)s 的可预订范围内。") % {"name": resource.name})


def manage(actor, resource) -> None:
    if not may_manage(actor, resource):
        raise PermissionDenied(_("您没有管理 %(name)s 的权限。") % {"name": resource.name})


def change_booking(actor, reservation) -> None:
    """Cancelling or editing a booking: its booker, the one it is for, or the resource's managers."""
    if not (is_party(actor, reservation) or may_manage(actor, reservation.resource)):
        raise PermissionDenied(_("只有预订人、使用人或管理员可以修改或取消该预订。"))
