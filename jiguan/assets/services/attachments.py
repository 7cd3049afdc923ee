"""Photos and attachments (照片与附件) of a card: type and size checks, adding and deleting."""

from __future__ import annotations

import hashlib
import os
import zipfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from jiguan.audit import services as audit
from jiguan.audit.models import Action

from ..models import (
    Asset,
    AssetAttachment,
    AssetStatus,
    AttachmentKind,
    EventKind,
)
from .common import _actor, _locked, event_add

# ---------------------------------------------------------------------------------------------
# Photos and attachments (照片与附件)
# ---------------------------------------------------------------------------------------------

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# extension -> (kind, content type, what the file must look like inside)
ATTACHMENT_TYPES = {
    ".jpg": ("photo", "image/jpeg", "jpeg"),
    ".jpeg": ("photo", "image/jpeg", "jpeg"),
    ".png": ("photo", "image/png", "png"),
    ".webp": ("photo", "image/webp", "webp"),
    ".pdf": ("document", "application/pdf", "pdf"),
    ".docx": ("document", DOCX_TYPE, "zip:word/document.xml"),
    ".xlsx": ("document", XLSX_TYPE, "zip:xl/workbook.xml"),
    ".ofd": ("document", "application/ofd", "zip:OFD.xml"),  # GB/T 33190 电子文件（版式）
}
ATTACHMENT_MAX_FILES = 20  # files per upload


def attachment_max_bytes() -> int:
    from django.conf import settings

    return int(getattr(settings, "JIGUAN_MAX_ATTACHMENT_MB", 20)) * 1024 * 1024


def _clean_filename(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/")).strip().replace("\x00", "")
    if len(name) > 255:
        stem, ext = os.path.splitext(name)
        name = stem[: 255 - len(ext)] + ext
    return name


def _content_is(signature: str, fileobj) -> bool:
    """Whether the file's bytes are what its extension says (magic bytes; for Office and OFD files,
    a ZIP container holding the format's main part)."""
    fileobj.seek(0)
    head = fileobj.read(1024)
    fileobj.seek(0)
    if signature == "jpeg":
        return head[:3] == b"\xff\xd8\xff"
    if signature == "png":
        return head[:8] == b"\x89PNG\r\n\x1a\n"
    if signature == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if signature == "pdf":
        return b"%PDF-" in head
    if signature.startswith("zip:"):
        if head[:4] != b"PK\x03\x04":
            return False
        try:
            with zipfile.ZipFile(fileobj) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        finally:
            fileobj.seek(0)
        return signature[4:] in names
    return False


def attachment_check(file) -> tuple[str, str, str, str]:
    """Validate one upload; returns (kind, content type, sha256, clean filename). Chinese errors."""
    name = _clean_filename(getattr(file, "name", ""))
    ext = os.path.splitext(name)[1].lower()
    allowed = ATTACHMENT_TYPES.get(ext)
    if not name or allowed is None:
        raise ValidationError({"file": _("文件“%(name)s”的类型不受支持。照片支持 JPG、PNG、WEBP，文档支持 PDF、"
                                         "DOCX、XLSX、OFD。") % {"name": name or "-"}})
    size = file.size or 0
    if size == 0:
        raise ValidationError({"file": _("文件“%(name)s”是空文件。") % {"name": name}})
    limit = attachment_max_bytes()
    if size > limit:
        raise ValidationError({"file": _("文件“%(name)s”大小为 %(size).1f MB，超过 %(limit)d MB 的上限。") % {
            "name": name, "size": size / 1024 / 1024, "limit": limit // 1024 // 1024}})
    kind, content_type, signature = allowed
    if not _content_is(signature, file):
        raise ValidationError({"file": _("文件“%(name)s”的内容与扩展名 %(ext)s 不符，已拒绝上传。请上传真实的 "
                                         "%(ext)s 文件。") % {"name": name, "ext": ext}})
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    return kind, content_type, digest.hexdigest(), name


def _attachment_data(attachment: AssetAttachment) -> dict:
    return {"asset": attachment.asset_id, "kind": attachment.kind, "filename": attachment.filename,
            "size": attachment.size, "content_type": attachment.content_type, "sha256": attachment.sha256,
            "description": attachment.description, "stored": attachment.file.name}


@transaction.atomic
def attachment_add(*, asset: Asset, file, description: str = "", checked: tuple | None = None) -> AssetAttachment:
    """Attach a photo or document to a card: checked (type by extension and content, size), stored
    under the private root, audited and shown on the card's timeline."""
    kind, content_type, sha256, filename = checked or attachment_check(file)
    attachment = AssetAttachment(asset=asset, kind=kind, filename=filename, size=file.size,
                                 content_type=content_type, sha256=sha256, description=(description or "")[:200],
                                 uploaded_by=_actor())
    file.seek(0)
    attachment.file.save(filename, file if isinstance(file, File) else File(file), save=False)
    try:
        attachment.full_clean(exclude=["file"])
        attachment.save()
        audit.record(Action.CREATE, attachment, after=_attachment_data(attachment),
                     message=_("资产 %(code)s 上传附件") % {"code": asset.code})
        label = _("上传照片") if kind == AttachmentKind.PHOTO else _("上传附件")
        event_add(asset, EventKind.ATTACHMENT, f"{label}：{filename}", document=filename[:80],
                  data={"attachment": attachment.pk, "kind": kind, "filename": filename, "sha256": sha256})
    except BaseException:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


def attachments_add(*, asset: Asset, files, description: str = "") -> list[AssetAttachment]:
    """Several files at once, all or nothing: every file is checked before any is stored."""
    files = list(files)
    if not files:
        raise ValidationError({"file": _("请选择要上传的文件。")})
    if len(files) > ATTACHMENT_MAX_FILES:
        raise ValidationError({"file": _("一次最多上传 %(n)d 个文件。") % {"n": ATTACHMENT_MAX_FILES}})
    checked, errors = [], []
    for file in files:
        try:
            checked.append(attachment_check(file))
        except ValidationError as exc:
            errors.extend(exc.message_dict.get("file", exc.messages))
    if errors:
        raise ValidationError({"file": errors})
    added: list[AssetAttachment] = []
    try:
        with transaction.atomic():
            for file, check in zip(files, checked, strict=True):
                added.append(attachment_add(asset=asset, file=file, description=description, checked=check))
    except BaseException:
        for attachment in added:  # the rows rolled back; remove their files too
            attachment.file.storage.delete(attachment.file.name)
        raise
    return added


def attachment_deletable(asset: Asset) -> bool:
    """Whether the card's attachments may still be deleted: not while its disposal is pending (待处置:
    the photos of the damage are what the approvers decide on) nor once it is disposed of."""
    return asset.status not in (AssetStatus.PENDING_DISPOSAL, AssetStatus.DISPOSED)


@transaction.atomic
def attachment_delete(*, attachment: AssetAttachment) -> None:
    """Delete an attachment: the row now, audited and on the timeline; the file once committed. The
    attachments of a card pending disposal (待处置) or disposed of (已处置) are the evidence of its
    disposal and are never deleted (the card's row is locked, so a disposal filed meanwhile waits)."""
    attachment = AssetAttachment.objects.select_related("asset").get(pk=attachment.pk)
    asset, stored, storage = _locked(attachment.asset), attachment.file.name, attachment.file.storage
    if not attachment_deletable(asset):
        state = _("正在处置中") if asset.status == AssetStatus.PENDING_DISPOSAL else _("已处置")
        raise PermissionDenied(_("资产 %(code)s %(state)s，其照片与附件是处置的凭证，不能删除。") % {
            "code": asset.code, "state": state})
    audit.record(Action.DELETE, attachment, before=_attachment_data(attachment),
                 message=_("资产 %(code)s 删除附件") % {"code": asset.code})
    event_add(asset, EventKind.ATTACHMENT, _("删除附件：%(name)s") % {"name": attachment.filename},
              document=attachment.filename[:80],
              data={"deleted": attachment.pk, "kind": attachment.kind, "filename": attachment.filename,
                    "sha256": attachment.sha256})
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(stored))
