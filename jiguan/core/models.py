"""Base models, and the framework's own tables (object locks). Core holds no business models."""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .scoping import ScopedManager


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
