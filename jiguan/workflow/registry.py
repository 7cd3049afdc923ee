"""Business types (业务类型): what a module registers so its objects can go through approval.

A module declares, in its AppConfig.ready()::

    workflow.registry.register(BusinessType(
        code="standards.change",            # stable key, stored on flows and requests
        label=_("数据标准变更"),
        model="standards.StandardChangeRequest",
        fields={},                          # values a flow step may test, e.g. {"amount": _("金额（元）")}
        on_outcome="jiguan.standards.services.change_request_outcome",
    ))

and starts a request with ``workflow.services.request_start(...)``. When the request ends the engine
calls ``on_outcome(obj, outcome)`` after the deciding transaction has committed, in a transaction of its
own, as the deciding user; see docs/development/workflow.md (§7: this example, wired end to end).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class BusinessType:
    code: str
    label: str
    model: str  # "app_label.ModelName" of the business object
    on_outcome: str | Callable  # dotted path or callable: (obj, outcome: Outcome) -> None
    fields: dict[str, str] = field(default_factory=dict)  # condition variables: key -> label

    def model_class(self):
        return apps.get_model(self.model)

    def outcome_handler(self) -> Callable:
        return import_string(self.on_outcome) if isinstance(self.on_outcome, str) else self.on_outcome


_types: dict[str, BusinessType] = {}


def register(business_type: BusinessType) -> BusinessType:
    existing = _types.get(business_type.code)
    if existing is not None and existing != business_type:
        raise ValueError(f"business type {business_type.code} is already registered differently")
    _types[business_type.code] = business_type
    return business_type


def unregister(code: str) -> None:
    """For tests that register a throw-away business type."""
    _types.pop(code, None)


def get(code: str) -> BusinessType:
    try:
        return _types[code]
    except KeyError:
        raise LookupError(f"unknown business type: {code}") from None


def choices() -> list[tuple[str, str]]:
    return [(t.code, t.label) for t in sorted(_types.values(), key=lambda t: t.code)]


def all_types() -> list[BusinessType]:
    return sorted(_types.values(), key=lambda t: t.code)
