"""The example plug-in's model: a seal (印章) of a unit, who keeps it and whether it is in use."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiguan.core.models import ScopedModel


class SealKind(models.TextChoices):
    OFFICIAL = "official", _("公章")
    CONTRACT = "contract", _("合同专用章")
    FINANCE = "finance", _("财务专用章")
    OTHER = "other", _("其他")


class SealStatus(models.TextChoices):
    PENDING = "pending", _("待刻制")
    IN_USE = "in_use", _("在用")
    VOID = "void", _("已作废")


class Seal(ScopedModel):
    """A seal (印章) of a unit."""

    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("所属单位"), on_delete=models.PROTECT,
                             related_name="example_plugin_seals")
    name = models.CharField(_("印章名称"), max_length=80)
    kind = models.CharField(_("印章类型"), max_length=16, choices=SealKind.choices, default=SealKind.OFFICIAL)
    keeper = models.CharField(_("保管人"), max_length=40, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=SealStatus.choices, default=SealStatus.IN_USE)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("印章")
        verbose_name_plural = _("印章")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="example_plugin_seal_name_per_unit",
                                    violation_error_message=_("本单位已有同名印章。")),
        ]
        indexes = [models.Index(fields=["status"], name="example_plugin_seal_status")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("example_plugin:seal_detail", args=[self.pk])
