"""Base models, and the framework's own tables (object locks, attachments, history). Core holds no
business models."""

import os
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
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


# Events for other systems (jiguan.core.events): outbox, subscribers, deliveries -----------------------


WEBHOOK_URL = URLValidator(schemes=["http", "https"], message=_("请输入以 http:// 或 https:// 开头的有效地址。"))


class EventSubscriber(models.Model):
    """Another system that takes events (事件订阅方): a webhook URL, the secret its requests are signed
    with, the event kinds it takes. Configured by the system administrator; system-wide
    configuration, hence no unit scope (holding the permission is enough)."""

    scope_global = True

    name = models.CharField(_("名称"), max_length=100, unique=True)
    url = models.URLField(_("接收地址"), max_length=500, validators=[WEBHOOK_URL],
                          help_text=_("以 http:// 或 https:// 开头的 Webhook 地址"))
    secret = models.CharField(_("签名密钥"), max_length=128, help_text=_("至少 16 个字符，用于 HMAC-SM3 签名"))
    kinds = models.JSONField(_("订阅的事件类型"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("事件订阅")
        verbose_name_plural = _("事件订阅")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("events:subscriber_edit", args=[self.pk])

    def clean(self):
        from .events import registry

        errors = {}
        if len(self.secret or "") < 16:
            errors["secret"] = _("签名密钥至少 16 个字符。")
        kinds = self.kinds if isinstance(self.kinds, list) else None
        if not kinds or not all(isinstance(k, str) for k in kinds):
            errors["kinds"] = _("请至少选择一种事件类型。")
        else:
            unknown = [k for k in kinds if not registry.is_declared(k)]
            if unknown:
                errors["kinds"] = _("未知的事件类型：%(kinds)s") % {"kinds": "、".join(unknown)}
        if errors:
            raise ValidationError(errors)

    def takes(self, kind: str) -> bool:
        return kind in (self.kinds or [])


class Event(models.Model):
    """One event for other systems (事件), written by ``events.emit`` in the business transaction
    (the outbox): it exists exactly when the change it reports was committed. Never edited; read by
    the system administrator through its deliveries, hence no unit scope."""

    scope_global = True

    uuid = models.UUIDField(_("事件编号"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("事件类型"), max_length=80)
    content_type = models.ForeignKey(ContentType, verbose_name=_("对象类型"), on_delete=models.PROTECT,
                                     related_name="+")
    object_id = models.PositiveBigIntegerField(_("对象"))
    object_repr = models.CharField(_("对象名称"), max_length=200, blank=True)
    payload = models.JSONField(_("内容"), default=dict, encoder=DjangoJSONEncoder)
    occurred_at = models.DateTimeField(_("发生时间"), default=timezone.now)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        ordering = ["id"]
        indexes = [models.Index(fields=["content_type", "object_id", "id"], name="core_event_object")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_repr or self.object_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待投递")
    DELIVERED = "delivered", _("已投递")
    FAILED = "failed", _("已放弃")


class EventDelivery(models.Model):
    """One event to one subscriber (投递): created with the event, exactly one per (event, subscriber).
    A 2xx answer marks it delivered and it is never sent again unless the administrator replays it;
    failures are retried at ``next_attempt_at`` with exponential back-off."""

    scope_global = True

    event = models.ForeignKey(Event, verbose_name=_("事件"), on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(EventSubscriber, verbose_name=_("订阅方"), on_delete=models.CASCADE,
                                   related_name="deliveries", db_index=False)  # core_delivery_order serves it
    # The event's object, copied so the order check (earlier undelivered of the same object) is one index range.
    object_type = models.ForeignKey(ContentType, verbose_name=_("对象类型"), on_delete=models.PROTECT,
                                    related_name="+", db_index=False)
    object_id = models.PositiveBigIntegerField(_("对象"))
    status = models.CharField(_("状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("投递时间"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("最近响应码"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    replays = models.PositiveIntegerField(_("重新投递次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("事件投递")
        verbose_name_plural = _("事件投递")
        ordering = ["-id"]
        permissions = [("replay_eventdelivery", _("重新投递事件"))]
        constraints = [
            # Exactly once per subscriber: the database refuses a second delivery of the same event.
            models.UniqueConstraint(fields=["event", "subscriber"], name="core_one_delivery_per_subscriber"),
        ]
        indexes = [
            models.Index(fields=["subscriber", "object_type", "object_id", "event"],
                         name="core_delivery_order"),
            models.Index(fields=["status", "next_attempt_at"], name="core_delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.subscriber_id}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("events:delivery_detail", args=[self.pk])


class DeliveryAttempt(models.Model):
    """One POST of a delivery (投递记录): when, the answer's status code or the error, how long."""

    scope_global = True

    delivery = models.ForeignKey(EventDelivery, verbose_name=_("投递"), on_delete=models.CASCADE,
                                 related_name="attempt_log")
    attempted_at = models.DateTimeField(_("尝试时间"))
    status_code = models.PositiveSmallIntegerField(_("响应码"), null=True, blank=True)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)
    success = models.BooleanField(_("成功"), default=False)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        ordering = ["delivery", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.attempted_at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"
