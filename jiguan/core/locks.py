"""Object locks (对象锁): one open document per object.

A document that works on objects (a transfer or disposal of asset cards, a value change, later a
warehouse intake or a loan) takes one ``ObjectLock`` row per object in the transaction that creates
it, and releases them in the transaction that closes it (approved and applied, rejected, withdrawn,
void). The unique constraint on (content_type, object_id) makes the database refuse a second
document for an object, whatever either document's status says and however the two requests race::

    transfer = Transfer.objects.create(...)
    locks.acquire(transfer, cards)          # ObjectLocked: "资产 ZC-… 已在进行中的资产调拨 DB-… 中"
    ...
    locks.release(transfer)                 # in the outcome hook, every way the document closes

``held(model)`` filters a queryset by them (a picker offers only free objects); ``check(objects)``
reads the locks without taking them, for a friendly refusal before the document is
written (callers that hold the objects' row locks get an exact answer from it; ``acquire`` stays the
guarantee). The API maps ``ObjectLocked`` to 409 with the open documents' numbers
(``jiguan.core.rest``); a form shows it as a form error (it is a ``ValidationError``).

This module imports no models at import time: ``core.rest`` (read by the settings) imports it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _


class ObjectLocked(ValidationError):
    """Some objects are held by another open document. ``conflicts``: one dict per object, with
    ``object`` (its label, e.g. the asset code), ``document`` (the holder's number) and
    ``document_type`` (the holder's kind, e.g. 资产调拨). ``field``: the form field the messages belong
    to (the document's lines field, e.g. ``"assets"``); None makes them non-field errors."""

    def __init__(self, conflicts: list[dict], field: str | None = None):
        self.conflicts = conflicts
        messages = [_("%(noun)s %(object)s 已在进行中的%(kind)s %(document)s 中，请待其办结后再办理。") % {
            "noun": c["noun"], "object": c["object"], "kind": c["document_type"], "document": c["document"]}
            for c in conflicts]
        super().__init__({field: messages} if field else messages)


def _content_type(model):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model, for_concrete_model=True)


def _label(obj) -> str:
    """How a message names an object: its code or number when it has one."""
    for attr in ("code", "number"):
        value = getattr(obj, attr, "")
        if value:
            return str(value)[:120]
    return str(obj)[:120]


def _holder_number(holder) -> str:
    return str(getattr(holder, "number", "") or holder.pk)[:40]


def _conflicts(model, ids: Iterable[int], *, exclude_holder=None) -> list[dict]:
    from .models import ObjectLock

    rows = ObjectLock.objects.filter(content_type=_content_type(model), object_id__in=list(ids))
    if exclude_holder is not None:
        rows = rows.exclude(holder_type=_content_type(exclude_holder), holder_id=exclude_holder.pk)
    noun = str(model._meta.verbose_name)
    return [{"noun": noun, "object": row.object_label or str(row.object_id), "object_id": row.object_id,
             "document": row.holder_number, "document_type": row.holder_label}
            for row in rows.order_by("object_label", "object_id")]


def check(objects: Iterable, *, field: str | None = None) -> None:
    """Raise ``ObjectLocked`` if any of ``objects`` (instances of one model) is held by an open
    document. A read: the guarantee is ``acquire``."""
    objects = list(objects)
    if not objects:
        return
    conflicts = _conflicts(type(objects[0]), [o.pk for o in objects])
    if conflicts:
        raise ObjectLocked(conflicts, field=field)


def acquire(holder, objects: Iterable, *, field: str | None = None) -> None:
    """Lock ``objects`` (instances of one model) for the document ``holder``: one bulk insert in the
    caller's transaction. Raises ``ObjectLocked`` naming the open documents that hold any of them (and
    takes none). Call it inside the transaction that creates ``holder``, so a failure rolls both back."""
    from .models import ObjectLock

    objects = list(objects)
    if not objects:
        return
    model = type(objects[0])
    object_type, holder_type = _content_type(model), _content_type(holder)
    holder_label, number = str(type(holder)._meta.verbose_name)[:60], _holder_number(holder)
    rows = [ObjectLock(content_type=object_type, object_id=o.pk, object_label=_label(o), holder_type=holder_type,
                       holder_id=holder.pk, holder_label=holder_label, holder_number=number) for o in objects]
    try:
        with transaction.atomic():
            ObjectLock.objects.bulk_create(rows)
    except IntegrityError:
        # Another open document holds some of them (committed, or it committed while this insert
        # waited on its uncommitted row): name it.
        conflicts = _conflicts(model, [o.pk for o in objects], exclude_holder=holder)
        raise ObjectLocked(conflicts or [{"noun": str(model._meta.verbose_name), "object": _label(objects[0]),
                                          "object_id": objects[0].pk, "document": "",
                                          "document_type": _("单据")}],
                           field=field) from None


def release(holder) -> int:
    """Release every lock ``holder`` takes; returns how many. Idempotent."""
    from .models import ObjectLock

    deleted, _rows = ObjectLock.objects.filter(holder_type=_content_type(holder), holder_id=holder.pk).delete()
    return deleted


def held(model) -> Exists:
    """Whether an object of ``model`` (the row of the queryset it filters) is held by an open
    document: a picker offers only the free ones (``queryset.exclude(locks.held(Asset))``), a list
    may mark the busy ones (``.annotate(busy=locks.held(Asset))``), in the query itself."""
    from .models import ObjectLock

    return Exists(ObjectLock.objects.filter(content_type=_content_type(model), object_id=OuterRef("pk")))
