"""Self-service (我的服务): what a user may start by themselves, declared by the modules.

Staff open Jiguan to ask for something: an asset to use (领用申请), a meeting room, a car, a repair.
Each module declares its services in its ``AppConfig.ready()``; the home page's 我的服务 panel and the
我的申请 page list those the user may start, and nothing else (a service the user may not start is
never shown, so it never answers 没有权限)::

    selfservice.register(selfservice.Service(
        key="assets.requisition", label=_("领用申请"), url_name="assets:requisition",
        hint=_("从本单位闲置资产中申请领用"), icon="box-arrow-up", order=100))

``permission`` ("<app>.<codename>", held in any scope) or ``when`` (a dotted path or callable
``fn(user) -> bool``) say who may start it; neither means every signed-in user with a unit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Service:
    key: str                                   # "<app>.<name>", unique
    label: str
    url_name: str                              # the page that starts it, no arguments
    hint: str = ""                             # one line: what it is for
    icon: str = "box-arrow-up-right"           # Bootstrap Icons name
    permission: str | None = None
    when: str | Callable | None = None
    order: int = 100

    def allows(self, user) -> bool:
        if user is None or not user.is_authenticated or not getattr(user, "unit_id", None):
            return False
        if self.permission and not user.has_perm(self.permission):
            return False
        if self.when is not None:
            check = import_string(self.when) if isinstance(self.when, str) else self.when
            return bool(check(user))
        return True


_services: dict[str, Service] = {}


def register(service: Service) -> Service:
    """Declare a service (idempotent for the same declaration)."""
    if service.permission is not None and service.permission.count(".") != 1:
        raise ImproperlyConfigured(f"service {service.key}: permission {service.permission!r} is not '<app>.<codename>'")
    known = _services.get(service.key)
    if known is not None and known != service:
        raise ImproperlyConfigured(f"service {service.key} is already registered differently")
    _services[service.key] = service
    return service


def registered() -> list[Service]:
    return sorted(_services.values(), key=lambda s: (s.order, s.key))


def for_user(user) -> list[dict]:
    """The services ``user`` may start, in order: ``{"key", "label", "hint", "icon", "url"}``."""
    shown = []
    for service in registered():
        if not service.allows(user):
            continue
        try:
            url = reverse(service.url_name)
        except NoReverseMatch as exc:
            raise ImproperlyConfigured(f"service {service.key}: {service.url_name} does not reverse") from exc
        shown.append({"key": service.key, "label": service.label, "hint": service.hint, "icon": service.icon,
                      "url": url})
    return shown


def panel(board):
    """The home page's 我的服务 panel (a dashboard PANEL): left out when the user may start nothing."""
    services = for_user(board.user)
    return {"services": services} if services else None
