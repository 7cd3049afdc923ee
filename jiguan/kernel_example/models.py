"""The kernel's example module: a key register (钥匙登记) built only from kernel declarations.

Installed in the test settings only (``jiguan.config.settings.test``): it proves that a new module
is declarations (``jiguan.core.registers``), and its tests exercise every kernel piece.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiguan.core.models import ScopedModel
from jiguan.core.scoping import ScopedManager
from jiguan.workflow.documents.base import Document


class KeyKind(models.TextChoices):
    DOOR = "door", _("房门")
    CABINET = "cabinet", _("柜门")
    VEHICLE = "vehicle", _("车辆")
    OTHER = "other", _("其他")


class KeyStatus(models.TextChoices):
    IN_STOCK = "in_stock", _("在库")
    ISSUED = "issued", _("已领用")
    LOST = "lost", _("遗失")


class Key(ScopedModel):
    """A key (钥匙) of a unit: which room or cabinet it opens and who holds it."""

    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("所属单位"), on_delete=models.PROTECT,
                             related_name="example_keys")
    code = models.CharField(_("钥匙编号"), max_length=30)
    room = models.CharField(_("房间或位置"), max_length=80)
    kind = models.CharField(_("类型"), max_length=16, choices=KeyKind.choices, default=KeyKind.DOOR)
    copies = models.PositiveSmallIntegerField(_("把数"), default=1,
                                              validators=[MinValueValidator(1), MaxValueValidator(99)])
    holder = models.CharField(_("保管人"), max_length=40, blank=True)
    holder_phone = models.CharField(_("保管人电话"), max_length=20, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=KeyStatus.choices, default=KeyStatus.IN_STOCK)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("钥匙")
        verbose_name_plural = _("钥匙")
        ordering = ["code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "code"], name="kernel_example_key_code_per_unit",
                                    violation_error_message=_("本单位已有相同编号的钥匙。")),
        ]
        indexes = [models.Index(fields=["status"], name="kernel_example_key_status"),
                   models.Index(fields=["code"], name="kernel_example_key_code")]
        permissions = [("import_key", _("可以导入钥匙"))]

    def __str__(self) -> str:
        return f"{self.code} {self.room}"

    def get_absolute_url(self) -> str:
        return reverse("kernel_example:key_detail", args=[self.pk])

    def clean(self) -> None:
        if self.status == KeyStatus.ISSUED and not self.holder:
            raise ValidationError({"holder": _("已领用的钥匙须填写保管人。")})


class KeyHandover(Document):
    """A key handover (钥匙移交单): keys of a unit pass to a new holder once the unit's leader approves.
    An approvable document over keys (``workflow.documents``): numbered YS-2026-000001, it holds its
    keys while open (``core.locks``) and writes each key's timeline."""

    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("所属单位"), on_delete=models.PROTECT,
                             related_name="example_key_handovers")
    to_holder = models.CharField(_("接收人"), max_length=40)
    to_holder_phone = models.CharField(_("接收人电话"), max_length=20, blank=True)
    reason = models.CharField(_("移交原因"), max_length=200)
    key_count = models.PositiveIntegerField(_("钥匙数"), default=0)

    verbose_names = {"number": _("移交单号")}

    class Meta:
        verbose_name = _("钥匙移交单")
        verbose_name_plural = _("钥匙移交单")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status"], name="kernel_example_handover_status")]

    def get_absolute_url(self) -> str:
        return reverse("kernel_example:keyhandover_detail", args=[self.pk])


class KeyHandoverItem(models.Model):
    """One key on a handover, with its holder when the handover was filed (移交人)."""

    scope_path = "handover__unit__path"

    handover = models.ForeignKey(KeyHandover, verbose_name=_("移交单"), on_delete=models.CASCADE,
                                 related_name="items")
    key = models.ForeignKey(Key, verbose_name=_("钥匙"), on_delete=models.PROTECT, related_name="handover_items")
    from_holder = models.CharField(_("移交人"), max_length=40, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("移交明细")
        verbose_name_plural = _("移交明细")
        constraints = [models.UniqueConstraint(fields=["handover", "key"], name="kernel_example_one_key_per_handover")]

    def __str__(self) -> str:
        return f"{self.handover_id}: {self.key_id}"
