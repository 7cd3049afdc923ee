"""Self-service of served staff (服务对象) on the cards issued to them (使用人)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
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
