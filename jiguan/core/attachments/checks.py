"""What an uploaded file must be (照片与附件的类型与大小): a supported extension, content that is what
the extension says (magic bytes; for Office and OFD files, a ZIP container holding the format's main
part), not empty, and at most ``JIGUAN_MAX_ATTACHMENT_MB``. Errors are Chinese, on the ``file`` field."""

from __future__ import annotations

import hashlib
import os
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

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
CONTENT_TYPES = sorted({content_type for _kind, content_type, _look in ATTACHMENT_TYPES.values()})
ATTACHMENT_MAX_FILES = 20  # files per upload
# Shown in the browser with ?inline=1 (thumbnails, PDF preview); everything else is a download.
INLINE_TYPES = {"image/jpeg", "image/png", "image/webp", "application/pdf"}


def attachment_max_bytes() -> int:
    return int(getattr(settings, "JIGUAN_MAX_ATTACHMENT_MB", 20)) * 1024 * 1024


def accept() -> str:
    """The file input's ``accept`` attribute: the supported extensions."""
    return ",".join(ATTACHMENT_TYPES)


def clean_filename(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/")).strip().replace("\x00", "")
    if len(name) > 255:
        stem, ext = os.path.splitext(name)
        name = stem[: 255 - len(ext)] + ext
    return name


def content_is(signature: str, fileobj) -> bool:
    """Whether the file's bytes are what its extension says."""
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
    name = clean_filename(getattr(file, "name", ""))
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
    if not content_is(signature, file):
        raise ValidationError({"file": _("文件“%(name)s”的内容与扩展名 %(ext)s 不符，已拒绝上传。请上传真实的 "
                                         "%(ext)s 文件。") % {"name": name, "ext": ext}})
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    return kind, content_type, digest.hexdigest(), name
