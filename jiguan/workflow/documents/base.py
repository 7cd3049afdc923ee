"""The abstract approvable document (审批单据): number, status, applicant, completion date.

A module's document derives from it (``class Transfer(Document)``) and is declared with
``documents.register(DocumentType(...))``. A subclass names its fields as its users call them
with ``verbose_names`` (``{"number": _("调拨单号")}``) instead of redeclaring them.

Imported by models modules only (it defines a model class, so the app registry must be loading).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.signals import class_prepared
from django.utils.translation import gettext_lazy as _

from jiguan.core.models import ScopedModel

from .status import OPEN, DocStatus


class Document(ScopedModel):
    number = models.CharField(_("单据号"), max_length=30, unique=True)
    status = models.CharField(_("状态"), max_length=16, choices=DocStatus.choices, default=DocStatus.DRAFT)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT,
                                     related_name="+")
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)

    # {field name: verbose name} of this document type, applied when the class is prepared.
    verbose_names: dict = {}

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def document_type(self):
        from .registry import type_of

        return type_of(self)


def _apply_verbose_names(sender, **kwargs):
    names = getattr(sender, "verbose_names", None)
    if not names or not issubclass(sender, Document) or sender._meta.abstract:
        return
    for name, label in names.items():
        field = sender._meta.get_field(name)
        # Both the name shown and the one deconstructed for migrations (Field keeps the argument
        # it was given in _verbose_name).
        field.verbose_name = field._verbose_name = label


class_prepared.connect(_apply_verbose_names, dispatch_uid="jiguan.workflow.documents.verbose_names")
