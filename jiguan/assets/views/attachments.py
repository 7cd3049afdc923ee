"""Photos and attachments (照片与附件) of a card: the kernel's attachment pages
(``jiguan.core.attachments.views``) at the cards' own URLs (``/assets/<pk>/attachments/…``), scoped by
the card: upload and delete with the right to change it, download (inline preview) with the right to
view it, 404 outside the scope."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from jiguan.core.attachments import attachments_of
from jiguan.core.attachments import views as kernel
from jiguan.core.models import Attachment
from jiguan.core.views import focus_path

from .. import policies, selectors
from ..models import Asset
from .common import card_refusal

INLINE_TYPES = kernel.checks.INLINE_TYPES  # shown in the browser with ?inline=1
attachment_response = kernel.file_response  # the API's download answers with it too


def attachment_of(card_queryset, pk: int, attachment_pk: int) -> Attachment:
    """The attachment ``attachment_pk`` of card ``pk`` if the card is in ``card_queryset``, else 404."""
    card = card_queryset.filter(pk=pk).first()
    attachment = attachments_of(card).filter(pk=attachment_pk).first() if card is not None else None
    if attachment is None:
        raise Http404(_("记录不存在，或不在您的数据范围内。"))
    return attachment


class AttachmentUploadView(kernel.AttachmentUploadView):
    """上传照片与附件 (POST, multipart ``files`` and an optional ``description``)."""

    parent_model = Asset


class AttachmentDownloadView(kernel.AttachmentDownloadView):
    """An attachment's file; ``?inline=1`` shows photos and PDFs in the browser (the thumbnails). For
    the card's viewers and its own user (使用人), as the card's page (``policies.card_view``)."""

    parent_model = Asset

    def required_permission(self):
        return None  # policies.card_view decides, over the card

    def base_queryset(self):
        return selectors.viewable_cards(self.request.user, focus_path(self.request))

    def get_object(self):
        if not hasattr(self, "_object"):
            card = self.get_queryset().select_related("owner_unit").filter(pk=self.kwargs["pk"]).first()
            if card is None or not policies.allows(policies.card_view, self.request.user, card):
                raise card_refusal(self.request.user)
            self._object = card
        return self._object


class AttachmentDeleteView(kernel.AttachmentDeleteView):
    """删除附件 (POST)."""

    parent_model = Asset
