"""Business types (业务类型): what a module registers so its objects can go through approval.

A module declares, in its AppConfig.ready()::

    workflow.registry.register(BusinessType(
        code="standards.change",            # stable key, stored on flows and requests
        label=_("数据标准变更"),
        model="standards.StandardChangeRequest",
        fields={},                          # values a flow step may test, e.g. {"amount": _("金额（元）")}
        on_outcome="jiguan.standards.services.change_request_outcome",
        business_unit="",                   # the request belongs to the applicant's unit
    ))

A business with units of its own names them: an asset transfer (调拨) declares
``business_unit="from_unit", counterparty_unit="to_unit"``, so its route starts at the 调出单位's
leader whoever files it; a value change declares ``business_unit="asset__owner_unit"``. Every
relation of a step (本单位, 上级, 对方单位, the nearest kind …) is resolved from these units.

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
    # Which unit the request belongs to (its flow and every step relation are resolved from it) and,
    # for business with two units, the other one: a lookup path on the object ("from_unit",
    # "asset__owner_unit"). Empty business_unit: the applicant's unit; empty counterparty_unit: none.
    business_unit: str = ""
    counterparty_unit: str = ""
    # Optional: "(user, data) -> (unsaved object, values) | None", building the object a form or an
    # API body describes before it exists, for the route preview shown before 提交审批.
    draft: str | Callable | None = None

    def model_class(self):
        return apps.get_model(self.model)

    def unit_of(self, obj, which: str = "business"):
        """The business (or counterparty) unit of ``obj``, from the declared lookup path; None when the
        type declares none or the object has none yet."""
        path = self.business_unit if which == "business" else self.counterparty_unit
        if not path:
            return None
        value = obj
        for name in path.split("__"):
            value = getattr(value, name, None)
            if value is None:
                return None
        return value

    def draft_builder(self) -> Callable | None:
        if self.draft is None:
            return None
        return import_string(self.draft) if isinstance(self.draft, str) else self.draft

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
