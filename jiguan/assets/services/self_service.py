"""Self-service of served staff (服务对象) on the cards issued to them (使用人)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from jiguan.notifications.services import notify

from .. import policies, selectors
from ..models import Asset


def return_handlers(asset: Asset):
    """The asset managers who may take ``asset`` back (交回): those of its owning unit."""
    return selectors.asset_managers(asset.owner_unit)


@transaction.atomic
def return_request(*, asset: Asset, actor, reason: str = "") -> list:
    """交回申请: the card's own user asks the unit's asset managers to take it back; they are told in
    their messages, with a link to the card (where they 交回 it). Nothing on the card changes until
    they do. ``actor``: asked ``policies.card_return_request``. Returns the managers told."""
    policies.card_return_request(actor, asset)
    managers = [u for u in return_handlers(asset) if u.pk != actor.pk]
    if not managers:
        raise ValidationError(_("该资产的产权单位暂无资产管理员，请线下联系资产管理部门。"))
    body = _("%(user)s 申请交回资产 %(code)s %(name)s（存放地点：%(location)s）。") % {
        "user": actor.display_name, "code": asset.code, "name": asset.name, "location": asset.location or _("未填写")}
    if reason:
        body += _("原因：%(reason)s") % {"reason": reason}
    notify(recipients=managers, title=_("交回申请：%(code)s %(name)s") % {"code": asset.code, "name": asset.name},
           body=body, url=asset.get_absolute_url())
    return managers


@transaction.atomic
def requisition_request(*, asset: Asset, actor, reason: str) -> list:
    """领用申请: a member of staff asks for an idle card of their agency; the asset managers of its
    owning unit are told, with a link to the card's 领用 page (where they issue it to them). Nothing
    on the card changes until they do. ``actor``: asked ``policies.card_requisition``."""
    policies.card_requisition(actor, asset)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写领用用途，便于资产管理员安排。")})
    managers = [u for u in selectors.asset_managers(asset.owner_unit) if u.pk != actor.pk]
    if not managers:
        raise ValidationError(_("该资产的产权单位暂无资产管理员，请线下联系资产管理部门。"))
    body = _("%(user)s（%(unit)s）申请领用闲置资产 %(code)s %(name)s（存放地点：%(location)s）。用途：%(reason)s") % {
        "user": actor.display_name, "unit": actor.unit.name if actor.unit_id else "—", "code": asset.code,
        "name": asset.name, "location": asset.location or _("未填写"), "reason": reason[:200]}
    notify(recipients=managers, title=_("领用申请：%(code)s %(name)s") % {"code": asset.code, "name": asset.name},
           body=body, url=reverse("assets:asset_issue", args=[asset.pk]))
    return managers
