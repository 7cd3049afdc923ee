"""Kinds of bookable resource (资源类型): what a module declares so the engine can book its things.

A module whose model derives from ``reservations.models.Resource`` declares its kind in
``AppConfig.ready()``::

    reservations.registry.register(reservations.registry.Kind(
        code="meetings.room", label=_("会议室"), model="meetings.Room",
        manage_permission="meetings.change_room",       # who manages the resource, in its unit's scope
        business_type="meetings.room_booking",           # the approval of bookings that need one
        booking_url="jiguan.meetings.services.booking_url",   # reservation -> its page
        on_closed="jiguan.meetings.services.occurrences_closed",  # occurrence ids cancelled, rejected, released
        alternatives="jiguan.meetings.selectors.alternatives",    # other free resources that fit
    ))

``register`` declares the approval's business type (``workflow.registry``) for the kind, with
``reservations.Reservation`` as its object and the resource's managing unit as its business unit,
so a flow at or above that unit (审批流程配置) decides who approves, step by step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    model: str                            # "app_label.ModelName", a subclass of Resource
    manage_permission: str                # "<app>.<codename>" held over the resource's unit
    view_permission: str = ""             # sees the resource and its bookings' subjects (approvers, service staff)
    business_type: str = ""               # approval of bookings of resources with requires_approval
    booking_url: str | Callable | None = None    # (reservation) -> url of its page
    on_closed: str | Callable | None = None      # (occurrence ids, state) after they stop blocking
    alternatives: str | Callable | None = None   # (resource, start, end, actor, limit) -> [resource]
    resource_url: str | Callable | None = None   # (resource) -> url of its booking page
    on_confirmed: str | Callable | None = None   # (reservation) after its approval confirmed occurrences
    on_split: str | Callable | None = None       # (old, new reservation) an edit of "this and later" split it

    def call(self, name: str, *args, **kwargs):
        hook = getattr(self, name)
        if hook is None:
            return None
        return (import_string(hook) if isinstance(hook, str) else hook)(*args, **kwargs)


_kinds: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    known = _kinds.get(kind.code)
    if known is not None and known != kind:
        raise ImproperlyConfigured(f"resource kind {kind.code} is already registered differently")
    if kind.manage_permission.count(".") != 1:
        raise ImproperlyConfigured(f"resource kind {kind.code}: manage_permission is not '<app>.<codename>'")
    _kinds[kind.code] = kind
    if kind.business_type:
        from jiguan.workflow import registry as business_types

        business_types.register(business_types.BusinessType(
            code=kind.business_type, label=_("%(kind)s预订") % {"kind": kind.label},
            model="reservations.Reservation", on_outcome="jiguan.reservations.services.approval_outcome",
            fields={"hours": _("时长（小时）"), "count": _("场次数")}, business_unit="resource__unit"))
    return kind


def get(code: str) -> Kind:
    try:
        return _kinds[code]
    except KeyError:
        raise ImproperlyConfigured(f"resource kind {code!r} is not registered") from None


def all_kinds() -> list[Kind]:
    return list(_kinds.values())
