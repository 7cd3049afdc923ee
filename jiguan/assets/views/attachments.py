"""Photos and attachments (照片与附件) of a card: upload, download (inline preview) and delete,
scoped by the card."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views import View

from jiguan.core.views import ScopedViewMixin

from .. import services
from ..models import (
    Asset,
    AssetAttachment,
)

# ---------------------------------------------------------------------------------------------
# Photos and attachments (照片与附件): scoped by the card
# ---------------------------------------------------------------------------------------------

# Shown in the browser with ?inline=1 (thumbnails, PDF preview); everything else is a download.
INLINE_TYPES = {"image/jpeg", "image/png", "image/webp", "application/pdf"}


def attachment_of(card_queryset, pk: int, attachment_pk: int) -> AssetAttachment:
    """The attachment ``attachment_pk`` of card ``pk`` if the card is in ``card_queryset``, else 404."""
    attachment = (AssetAttachment.objects.filter(pk=attachment_pk, asset__in=card_queryset.filter(pk=pk))
                  .select_related("asset").first())
    if attachment is None:
        raise Http404(_("记录不存在，或不在您的数据范围内。"))
    return attachment


def attachment_response(attachment: AssetAttachment, inline: bool) -> FileResponse:
    """Stream a stored attachment with its original name; a download unless shown inline is safe."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("附件文件不存在。")) from None
    inline = inline and attachment.content_type in INLINE_TYPES
    response = FileResponse(handle, as_attachment=not inline, filename=attachment.filename,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


class AttachmentUploadView(ScopedViewMixin, View):
    """上传照片与附件 (POST, multipart ``files`` and an optional ``description``): users who may change
    the card. All or nothing; errors come back to the card's page as messages."""

    model = Asset
    action = "change"
    http_method_names = ["post"]

    def post(self, request, pk):
        asset = self.get_queryset().filter(pk=pk).first()
        if asset is None:
            raise Http404(_("记录不存在，或不在您的数据范围内。"))
        try:
            added = services.attachments_add(asset=asset, files=request.FILES.getlist("files"),
                                             description=request.POST.get("description", "").strip())
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(asset.get_absolute_url())  # the messages show at the top
        messages.success(request, _("已上传 %(n)d 个文件。") % {"n": len(added)})
        return HttpResponseRedirect(f"{asset.get_absolute_url()}#attachments")


class AttachmentDownloadView(ScopedViewMixin, View):
    """An attachment's file, for whoever may view the card (404 outside the scope). ``?inline=1``
    shows photos and PDFs in the browser (the card's thumbnails)."""

    model = Asset
    action = "view"

    def get(self, request, pk, attachment_pk):
        attachment = attachment_of(self.get_queryset(), pk, attachment_pk)
        return attachment_response(attachment, inline=request.GET.get("inline") == "1")


class AttachmentDeleteView(ScopedViewMixin, View):
    """删除附件 (POST): users who may change the card."""

    model = Asset
    action = "change"
    http_method_names = ["post"]

    def post(self, request, pk, attachment_pk):
        attachment = attachment_of(self.get_queryset(), pk, attachment_pk)
        try:
            services.attachment_delete(attachment=attachment)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(f"{attachment.asset.get_absolute_url()}#attachments")
        messages.success(request, _("已删除附件“%(name)s”。") % {"name": attachment.filename})
        return HttpResponseRedirect(f"{attachment.asset.get_absolute_url()}#attachments")
