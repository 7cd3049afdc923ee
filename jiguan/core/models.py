"""Abstract base models. Core holds no business models."""

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
