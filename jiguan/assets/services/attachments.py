"""Photos and attachments (照片与附件) of a card: kernel attachments (``jiguan.core.attachments``),
declared for ``Asset`` in ``apps.ready()`` (``declare``). These keep the assets services' names and
keyword (``asset=``); the checks, storage, audit records and timeline entries are the kernel's."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jiguan.core import attachments as kernel
from jiguan.core.attachments import (  # noqa: F401 - the assets services' names for them
    ATTACHMENT_MAX_FILES,
    ATTACHMENT_TYPES,
    attachment_check,
    attachment_max_bytes,
)
from jiguan.core.attachments.checks import DOCX_TYPE, XLSX_TYPE  # noqa: F401
from jiguan.core.models import Attachment

from ..models import Asset, AssetStatus

# ---------------------------------------------------------------------------------------------
# Photos and attachments (照片与附件)
# ---------------------------------------------------------------------------------------------


def attachment_label(asset: Asset) -> str:
    """The card as the audit messages name it: 资产 ZC-2026-000001 上传附件."""
    return _("资产 %(code)s") % {"code": asset.code}


def attachment_deletable(asset: Asset) -> bool:
    """Whether the card's attachments may still be deleted: not while its disposal is pending (待处置:
    the photos of the damage are what the approvers decide on) nor once it is disposed of."""
    return asset.status not in (AssetStatus.PENDING_DISPOSAL, AssetStatus.DISPOSED)


def attachment_refusal(asset: Asset) -> str:
    """Why not: the attachments of a card pending disposal (待处置) or disposed of (已处置) are the
    evidence of its disposal (the kernel locks the card's row first, so a disposal filed meanwhile waits)."""
    state = _("正在处置中") if asset.status == AssetStatus.PENDING_DISPOSAL else _("已处置")
    return _("资产 %(code)s %(state)s，其照片与附件是处置的凭证，不能删除。") % {"code": asset.code, "state": state}


def declare() -> None:
    """Cards take photos and attachments: read with the right to view cards, added and deleted with
    the right to change them (there is no delete_asset; policies.attachment_add / attachment_delete,
    asked by the kernel's services with the actor), at the cards' own URLs."""
    kernel.register(
        Asset, view_permission="assets.view_asset", change_permission="assets.change_asset",
        deletable=attachment_deletable, refusal=attachment_refusal, label=attachment_label,
        add_policy="jiguan.assets.policies.attachment_add", delete_policy="jiguan.assets.policies.attachment_delete",
        url_names={"upload": "assets:attachment_upload", "download": "assets:attachment_download",
                   "delete": "assets:attachment_delete"})


def attachments_of(asset: Asset):
    """The card's attachments, oldest first."""
    return kernel.attachments_of(asset)


def attachment_add(*, asset: Asset, file, description: str = "", checked: tuple | None = None,
                   actor=None) -> Attachment:
    """Attach a photo or document to a card: checked (type by extension and content, size), stored
    under the private root, audited and shown on the card's timeline."""
    return kernel.attachment_add(obj=asset, file=file, description=description, checked=checked, actor=actor)


def attachments_add(*, asset: Asset, files, description: str = "", actor=None) -> list[Attachment]:
    """Several files at once, all or nothing: every file is checked before any is stored."""
    return kernel.attachments_add(obj=asset, files=files, description=description, actor=actor)


def attachment_delete(*, attachment: Attachment, actor=None) -> None:
    """Delete an attachment: the row now, audited and on the timeline; the file once committed; never
    while the card is pending disposal or disposed of (``attachment_refusal``)."""
    kernel.attachment_delete(attachment=attachment, actor=actor)
