"""Who may do what with cards and their documents: one policy function per operation.

Each takes the acting user first (then what the operation is about), returns nothing when the user
may, and raises ``PermissionDenied`` with a Chinese message when they may not. The SERVICE of the
operation asks its policy with the actor it is given (``services.transfer_create(..., actor=user)``),
so the page, the API, an import or a job are refused alike; views and the API do not repeat the
rule (a page may ask the same function to hide a button: ``allows(policies.x, user, obj)``). A
service called without an actor is an internal call that a decision already authorised (an
approval's outcome hook, the demo loader, a migration) and asks nothing.

The base views and viewsets still require their model permission and restrict rows to the scope
first (a card outside it is a 404, never a 403): a policy decides what remains, over the units the
operation writes to. A permission held nowhere answers the operation's own message ("您没有……的权
限。"); one held, but not over the unit concerned, answers "所选单位不在您的数据范围内。".
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def allows(policy: Callable, actor, *args) -> bool:
    """Whether ``policy`` lets ``actor`` do it (for a page that offers a button only then)."""
    try:
        policy(actor, *args)
    except PermissionDenied:
        return False
    return True


def _require(actor, permission: str, unit, message: str) -> None:
    """``permission`` somewhere (else ``message``) and, when ``unit`` is given, over it."""
    if actor is None:
        return
    scope = actor.get_scope(permission) if getattr(actor, "is_active", False) else None
    if scope is None or scope.is_empty:
        raise PermissionDenied(message)
    if unit is not None and not scope.contains_path(unit.path):
        raise PermissionDenied(_("所选单位不在您的数据范围内。"))


def _optional_units(actor, permission: str, message: str, *units) -> None:
    for unit in units:
        if unit is not None:
            _require(actor, permission, unit, message)


# Cards (资产卡片) ------------------------------------------------------------------------------


def card_view(actor, asset) -> None:
    """查看 a card (its page, its label, its photos): viewers of its owning unit (``assets.view_asset``
    over it) and the card's own user (使用人), whatever their role: a served member of staff
    (服务对象) opens the cards issued to them, read-only (every other operation has its own rule).
    ``selectors.viewable_cards`` is the same rule as a queryset."""
    if actor is None:
        return
    if asset.user_id is not None and asset.user_id == actor.pk and getattr(actor, "is_active", False):
        return
    _require(actor, "assets.view_asset", asset.owner_unit, _("您没有查看该资产卡片的权限。"))


def card_requisition(actor, asset) -> None:
    """领用申请: anyone may ask for an idle (闲置) card of their own agency."""
    from .models import AssetStatus
    from .selectors import home_agency

    if actor is None:
        return
    agency = home_agency(actor)
    if agency is None or not asset.owner_unit.path.startswith(agency.path):
        raise PermissionDenied(_("只能申请领用本单位的闲置资产。"))
    if asset.status != AssetStatus.IDLE:
        raise PermissionDenied(_("该资产已不是闲置状态，可能已被他人领用，请刷新后另选。"))


def card_return_request(actor, asset) -> None:
    """交回申请: the card's own user asks the unit's asset managers to take an in-use card back."""
    from .models import AssetStatus

    if actor is None:
        return
    if asset.user_id is None or asset.user_id != actor.pk or not getattr(actor, "is_active", False):
        raise PermissionDenied(_("只有资产的使用人可以申请交回。"))
    if asset.status != AssetStatus.IN_USE:
        raise PermissionDenied(_("只有在用的资产可以申请交回。"))


def card_register(actor, owner_unit=None, using_unit=None, department=None) -> None:
    """验收登记: register cards of ``owner_unit`` (used by ``using_unit`` / ``department``)."""
    message = _("您没有登记资产卡片的权限。")
    _require(actor, "assets.add_asset", owner_unit, message)
    _optional_units(actor, "assets.add_asset", message, using_unit, department)


def card_change(actor, asset=None, using_unit=None, department=None) -> None:
    """资产变更 of ``asset`` (to ``using_unit`` / ``department`` when they change)."""
    message = _("您没有变更资产卡片的权限。")
    _require(actor, "assets.change_asset", asset.owner_unit if asset is not None else None, message)
    _optional_units(actor, "assets.change_asset", message, using_unit, department)


def card_issue(actor, asset=None, department=None) -> None:
    """领用: hand ``asset`` to a person and/or ``department``."""
    message = _("您没有办理资产领用、交回的权限。")
    _require(actor, "assets.issue_asset", asset.owner_unit if asset is not None else None, message)
    _optional_units(actor, "assets.issue_asset", message, department)


def card_return(actor, asset=None) -> None:
    """交回: the card comes back (闲置)."""
    _require(actor, "assets.issue_asset", asset.owner_unit if asset is not None else None,
             _("您没有办理资产领用、交回的权限。"))


def card_value_adjust(actor, asset=None) -> None:
    """价值调整 of a card's original value (requested through a value change)."""
    _require(actor, "assets.change_asset", asset.owner_unit if asset is not None else None,
             _("您没有变更资产卡片的权限。"))


def card_repair(actor, asset=None) -> None:
    """维修登记 on a card."""
    _require(actor, "assets.add_repairrecord", asset.owner_unit if asset is not None else None,
             _("您没有登记维修记录的权限。"))


def card_workload(actor, asset=None) -> None:
    """录入工作量 of a units-of-production card."""
    _require(actor, "assets.add_workloadreading", asset.owner_unit if asset is not None else None,
             _("您没有录入工作量的权限。"))


def attachment_add(actor, asset=None) -> None:
    """上传照片与附件 to a card."""
    _require(actor, "assets.change_asset", asset.owner_unit if asset is not None else None,
             _("您没有变更资产卡片的权限。"))


def attachment_delete(actor, asset=None) -> None:
    """删除 a card's photo or attachment."""
    _require(actor, "assets.change_asset", asset.owner_unit if asset is not None else None,
             _("您没有变更资产卡片的权限。"))


def import_cards(actor) -> None:
    """导入资产卡片 from a spreadsheet (each row's owning unit is checked against the scope)."""
    _require(actor, "assets.import_asset", None, _("您没有导入资产卡片的权限。"))


# Documents (单据) -------------------------------------------------------------------------------


def transfer_create(actor, from_unit=None) -> None:
    """申请调拨 of cards of ``from_unit``: the right to file transfers and to transfer cards over it."""
    message = _("您没有申请资产调拨的权限。")
    _require(actor, "assets.transfer_asset", from_unit, message)
    _require(actor, "assets.add_transfer", from_unit, message)


def transfer_view(actor, transfer) -> None:
    """A transfer is seen by both sides: the giving and the receiving unit's viewers."""
    if actor is None:
        return
    from .models import Transfer

    if not Transfer.objects.in_scope(actor.get_scope("assets.view_transfer")).filter(pk=transfer.pk).exists():
        raise PermissionDenied(_("您没有查看该资产调拨的权限。"))


def disposal_create(actor, unit=None) -> None:
    """申请处置 of cards of ``unit``."""
    message = _("您没有申请资产处置的权限。")
    _require(actor, "assets.dispose_asset", unit, message)
    _require(actor, "assets.add_disposal", unit, message)


def disposal_record_result(actor, disposal=None) -> None:
    """登记批复文号与处置收入 on a disposal."""
    _require(actor, "assets.change_disposal", disposal.unit if disposal is not None else None,
             _("您没有登记处置结果的权限。"))


def value_change_create(actor, asset=None) -> None:
    """申请价值调整 of a card: filing the document (the card's own rule is ``card_value_adjust``)."""
    _require(actor, "assets.add_valuechange", asset.owner_unit if asset is not None else None,
             _("您没有申请价值调整的权限。"))


def configuration_create(actor, unit=None) -> None:
    """配置申请 of ``unit``."""
    _require(actor, "assets.add_configurationrequest", unit, _("您没有提出配置申请的权限。"))


def outcome_retry(actor, request) -> None:
    """重新执行 the failed outcome of an asset document's approval: configurers of flows
    (workflow.change_flow) over the request's business unit, as for any business type."""
    if actor is None:
        return
    if not actor.has_perm("workflow.change_flow", request):
        raise PermissionDenied(_("您没有执行此操作的权限。"))


# Depreciation and settings ---------------------------------------------------------------------


def depreciation_run(actor, unit=None) -> None:
    """计提折旧 of the cards owned within ``unit``'s subtree."""
    message = _("您没有计提折旧的权限。")
    _require(actor, "assets.depreciate_asset", unit, message)
    _require(actor, "assets.add_depreciationrun", unit, message)


def settings_save(actor, unit=None) -> None:
    """资产管理设置 of a province, city or county (system administrators)."""
    message = _("您没有修改资产管理设置的权限。")
    _require(actor, "assets.change_assetsettings", unit, message)
