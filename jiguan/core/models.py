"""Base models, and the framework's own tables (object locks, attachments, history). Core holds no
business models."""

import os
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .scoping import ScopedManager
from .storage import private_storage


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class ScopedModel(TimeStampedModel):
    """A row owned by an organisation unit. Subclasses set ``scope_path``."""

    scope_path = "unit__path"
    objects = ScopedManager()

    class Meta:
        abstract = True


class ObjectLock(models.Model):
    """One open document's hold on one object (an asset card, a warehouse item …): a second document
    cannot take the same object while the first is open, because the database refuses a second row
    for (content_type, object_id). Taken and released by ``jiguan.core.locks`` only; never shown in
    a list (the holder's page says what it holds), hence no scope of its own."""

    scope_global = True

    content_type = models.ForeignKey(ContentType, verbose_name=_("对象类型"), on_delete=models.CASCADE,
                                     related_name="+")
    object_id = models.PositiveBigIntegerField(_("对象"))
    object_label = models.CharField(_("对象名称"), max_length=120, blank=True)
    holder_type = models.ForeignKey(ContentType, verbose_name=_("单据类型"), on_delete=models.CASCADE,
                                    related_name="+")
    holder_id = models.PositiveBigIntegerField(_("单据"))
    holder_label = models.CharField(_("单据类型名称"), max_length=60, blank=True)
    holder_number = models.CharField(_("单据号"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("锁定时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("对象锁")
        verbose_name_plural = _("对象锁")
        constraints = [
            # One open document per object: the database says no, whatever the application checked.
            models.UniqueConstraint(fields=["content_type", "object_id"], name="core_one_lock_per_object"),
        ]
        indexes = [models.Index(fields=["holder_type", "holder_id"], name="core_lock_holder")]

    def __str__(self) -> str:
        return f"{self.object_label or self.object_id} ⇐ {self.holder_number or self.holder_id}"


# Attachments and history of any object (jiguan.core.attachments, jiguan.core.history) ---------------


def attachment_path(instance, filename: str) -> str:
    """Stored name: the object's folder and a random name (the original name is kept in the row only)."""
    ext = os.path.splitext(filename)[1].lower()
    content_type = ContentType.objects.get_for_id(instance.content_type_id)
    return f"{content_type.app_label}/{content_type.model}/{instance.object_id}/{uuid.uuid4().hex}{ext}"


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("照片")
    DOCUMENT = "document", _("文档")


class Attachment(models.Model):
    """A photo or document attached to an object (照片与附件) whose model declared attachments
    (``core.attachments.register``): invoices, contracts, acceptance records, approval replies. Its
    scope is its object's: the kernel's views and API reach a row only through an object the caller
    may view (or change), never through this table, hence no scope of its own."""

    scope_global = True

    content_type = models.ForeignKey(ContentType, verbose_name=_("对象类型"), on_delete=models.PROTECT,
                                     related_name="+", db_index=False)  # core_attachment_object serves it
    object_id = models.PositiveBigIntegerField(_("对象"))
    target = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("类型"), max_length=10, choices=AttachmentKind.choices)
    file = models.FileField(_("文件"), upload_to=attachment_path, storage=private_storage, max_length=200)
    filename = models.CharField(_("文件名"), max_length=255)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    content_type_name = models.CharField(_("文件类型"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["content_type", "object_id", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "kind", "id"], name="core_attachment_object")]

    def __str__(self) -> str:
        return self.filename

    def get_absolute_url(self) -> str:
        """The download URL (the object's module may serve it under its own URL)."""
        from .attachments import registry

        return registry.url_for(self, "download")

    @property
    def is_photo(self) -> bool:
        return self.kind == AttachmentKind.PHOTO


class HistoryEntry(models.Model):
    """One entry of an object's timeline (履历) for models that declared history
    (``core.history.register``) without a store of their own. Written by services only, never
    edited; read through the object's scope, hence no scope of its own."""

    scope_global = True

    content_type = models.ForeignKey(ContentType, verbose_name=_("对象类型"), on_delete=models.PROTECT,
                                     related_name="+", db_index=False)  # core_history_object serves it
    object_id = models.PositiveBigIntegerField(_("对象"))
    target = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("事项"), max_length=40)
    occurred_on = models.DateField(_("业务日期"))
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT,
                              null=True, blank=True, related_name="+")
    summary = models.CharField(_("摘要"), max_length=300)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    document = models.CharField(_("单据"), max_length=80, blank=True, help_text=_("相关单据，如 调拨单 DB-12、批复文号"))

    objects = ScopedManager()

    class Meta:
        verbose_name = _("履历")
        verbose_name_plural = _("履历")
        ordering = ["content_type", "object_id", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "id"], name="core_history_object")]

    def __str__(self) -> str:
        return f"{self.object_id} {self.kind} {self.summary}"
