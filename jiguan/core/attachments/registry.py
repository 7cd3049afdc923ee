"""Which models take attachments, and on what terms: ``register(Model, ...)``, from the module's
``AppConfig.ready()`` (or a ``Register`` declaration).

- ``view_permission`` reads them (default ``<app>.view_<model>``), ``change_permission`` adds and
  deletes them (default ``<app>.change_<model>``); both over the object's data scope.
- ``deletable(obj) -> bool``: whether the object's attachments may still be deleted (a card pending
  disposal keeps its photos); ``refusal(obj) -> str`` says why not (Chinese).
- ``label(obj) -> str``: the object as the audit messages name it ("资产 ZC-2026-000001").
- ``url_names``: the module's own page URLs for them (``{"upload", "download", "delete"}``, taking
  the object's pk and the attachment's pk); default the kernel's ``/attachments/<app>.<model>/<pk>/``.
- ``add_policy`` / ``delete_policy``: ``(actor, obj)`` raising ``PermissionDenied``, called by the
  services (a dotted path or a callable).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from ..scoping import permission_name


def _callable(value):
    return import_string(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class AttachmentDeclaration:
    model: type[models.Model]
    view_permission: str
    change_permission: str
    deletable: Callable | str | None = None
    refusal: Callable | str | None = None
    label: Callable | str | None = None
    url_names: dict = field(default_factory=dict)
    add_policy: Callable | str | None = None
    delete_policy: Callable | str | None = None

    @property
    def key(self) -> str:
        """``app_label.model_name``, as the kernel's URLs name the model."""
        return self.model._meta.label_lower

    def may_delete(self, obj) -> bool:
        return bool(_callable(self.deletable)(obj)) if self.deletable else True

    def refusal_message(self, obj) -> str:
        if self.refusal:
            return str(_callable(self.refusal)(obj))
        return _("%(object)s的照片与附件不能删除。") % {"object": self.describe(obj)}

    def describe(self, obj) -> str:
        if self.label:
            return str(_callable(self.label)(obj))
        return f"{self.model._meta.verbose_name} {obj}"

    def check_add(self, actor, obj) -> None:
        if self.add_policy:
            _callable(self.add_policy)(actor, obj)

    def check_delete(self, actor, obj) -> None:
        if self.delete_policy:
            _callable(self.delete_policy)(actor, obj)

    def url(self, name: str, object_id, attachment_id=None) -> str:
        """The page URL ``name`` (upload, download, delete) for the object (and attachment)."""
        args = [object_id] if attachment_id is None else [object_id, attachment_id]
        if name in self.url_names:
            return reverse(self.url_names[name], args=args)
        return reverse(f"attachments:{name}", args=[self.key, *args])


_registry: dict[str, AttachmentDeclaration] = {}


def register(model: type[models.Model], *, view_permission: str | None = None, change_permission: str | None = None,
             deletable=None, refusal=None, label=None, url_names: dict | None = None, add_policy=None,
             delete_policy=None) -> AttachmentDeclaration:
    """Declare that ``model``'s objects take photos and attachments. Declaring again replaces."""
    declaration = AttachmentDeclaration(
        model=model, view_permission=view_permission or permission_name(model, "view"),
        change_permission=change_permission or permission_name(model, "change"), deletable=deletable,
        refusal=refusal, label=label, url_names=dict(url_names or {}), add_policy=add_policy,
        delete_policy=delete_policy)
    _registry[declaration.key] = declaration
    return declaration


def unregister(model: type[models.Model]) -> None:
    _registry.pop(model._meta.label_lower, None)


def declarations() -> dict[str, AttachmentDeclaration]:
    return dict(_registry)


def declaration(target) -> AttachmentDeclaration:
    """The declaration of a model, an instance or a ``app_label.model_name`` key; ``LookupError`` if
    the model takes no attachments."""
    key = target.lower() if isinstance(target, str) else target._meta.label_lower
    try:
        return _registry[key]
    except KeyError:
        raise LookupError(f"{key} takes no attachments (core.attachments.register it)") from None


def is_registered(target) -> bool:
    key = target.lower() if isinstance(target, str) else target._meta.label_lower
    return key in _registry


def url_for(attachment, name: str = "download") -> str:
    """The page URL ``name`` (download, delete) of an attachment."""
    from django.contrib.contenttypes.models import ContentType

    model = ContentType.objects.get_for_id(attachment.content_type_id).model_class()
    return declaration(model).url(name, attachment.object_id, attachment.pk)
