"""Object history (履历): what happened to an object, when, by whom, under which document.

A model declares it once, ``history.register(Model)`` (in ``AppConfig.ready()`` or through a
``Register`` declaration); services then write entries with ``history.add(obj, kind, summary, ...)``
in their own transaction, and pages show ``history.timeline(obj)`` with the partial
``core/_timeline.html`` (``history.context(obj)`` gives its variables). ``history.add_many`` writes
the same entry on many objects at once (the import framework's 登记 entries).

Entries go to a *store*. The default keeps ``core.HistoryEntry`` rows (content type, object id; one
index on (content_type, object_id, id)). A module with a large volume keeps its own table and
declares an adapter (``store=``): the asset cards keep ``AssetEvent`` (tens of millions of rows,
one index per card) through a ``Store`` subclass that maps ``add`` and ``entries`` onto it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

TIMELINE_LIMIT = 300  # entries a page shows (the newest); the API pages through all of them


class Store:
    """Where a model's entries are kept. Subclasses implement ``add`` and ``entries``."""

    def add(self, obj, *, kind: str, summary: str, occurred_on: date, data: dict, document: str, actor):
        raise NotImplementedError

    def add_many(self, objects, *, kind: str, summary: str, occurred_on: date, data: dict, document: str, actor):
        """One entry on each object (an import's 登记). Default: ``add`` per object; a store that can
        should insert them at once."""
        for obj in objects:
            self.add(obj, kind=kind, summary=summary, occurred_on=occurred_on, data=data, document=document,
                     actor=actor)

    def entries(self, obj) -> models.QuerySet:
        """The object's entries, oldest first."""
        raise NotImplementedError

    def kind_label(self, entry) -> str:
        display = getattr(entry, "get_kind_display", None)
        return str(display()) if display else entry.kind


class EntryStore(Store):
    """The default store: ``core.HistoryEntry``."""

    def add(self, obj, *, kind, summary, occurred_on, data, document, actor):
        from .models import HistoryEntry

        return HistoryEntry.objects.create(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk, kind=kind,
            summary=summary, occurred_on=occurred_on, data=data, document=document, actor=actor)

    def add_many(self, objects, *, kind, summary, occurred_on, data, document, actor, batch_size: int = 1000):
        from .models import HistoryEntry

        objects = list(objects)
        if not objects:
            return
        content_type = ContentType.objects.get_for_model(type(objects[0]))
        HistoryEntry.objects.bulk_create(
            [HistoryEntry(content_type=content_type, object_id=obj.pk, kind=kind, summary=summary,
                          occurred_on=occurred_on, data=data, document=document, actor=actor) for obj in objects],
            batch_size=batch_size)

    def entries(self, obj):
        from .models import HistoryEntry

        return HistoryEntry.objects.filter(content_type=ContentType.objects.get_for_model(type(obj)),
                                           object_id=obj.pk).order_by("id")


# Kinds every module may write; a declaration adds its own (``kinds=``).
COMMON_KINDS = {
    "create": _("登记"),
    "change": _("变更"),
    "attachment": _("附件"),
    "document": _("单据"),
}


@dataclass(frozen=True)
class HistoryDeclaration:
    model: type[models.Model]
    store: Store
    title: str = ""
    kinds: dict = field(default_factory=dict)
    link: Callable | str | None = None  # entry -> URL of its document, or None

    def kind_label(self, entry) -> str:
        if entry.kind in self.kinds:
            return str(self.kinds[entry.kind])
        label = self.store.kind_label(entry)
        return label if label != entry.kind else str(COMMON_KINDS.get(entry.kind, entry.kind))

    def link_of(self, entry) -> str | None:
        if not self.link:
            return None
        link = import_string(self.link) if isinstance(self.link, str) else self.link
        return link(entry)


_registry: dict[str, HistoryDeclaration] = {}


def register(model: type[models.Model], store: Store | None = None, *, title=None, kinds: dict | None = None,
             link=None) -> HistoryDeclaration:
    """Declare that ``model``'s objects keep a history; ``store`` None keeps it in
    ``core.HistoryEntry``. ``title`` heads the timeline (default 履历), ``kinds`` names the kinds
    the module writes, ``link(entry)`` gives an entry's document URL. Declaring again replaces."""
    declaration = HistoryDeclaration(model=model, store=store or EntryStore(), title=title or _("履历"),
                                     kinds=dict(kinds or {}), link=link)
    _registry[model._meta.label_lower] = declaration
    return declaration


def unregister(model: type[models.Model]) -> None:
    _registry.pop(model._meta.label_lower, None)


def registry() -> dict[str, HistoryDeclaration]:
    return dict(_registry)


def is_registered(target) -> bool:
    return target._meta.label_lower in _registry


def declaration(target) -> HistoryDeclaration:
    """The declaration of a model or an instance; ``LookupError`` if it keeps no history."""
    try:
        return _registry[target._meta.label_lower]
    except KeyError:
        raise LookupError(f"{target._meta.label_lower} keeps no history (core.history.register it)") from None


def add(obj, kind: str, summary: str, *, on: date | None = None, data: dict | None = None, document: str = "",
        actor=None):
    """Write one entry on ``obj``'s timeline (in the caller's transaction): ``on`` the business date
    (default today), ``actor`` default the acting user (none for the system)."""
    return declaration(obj).store.add(obj, kind=kind, **_entry_fields(summary, on, data, document, actor))


def _entry_fields(summary: str, on, data, document: str, actor) -> dict:
    """An entry's fields as a store receives them: clipped, JSON-safe, dated, with the actor
    (default: the acting user; none for the system)."""
    from jiguan.audit.services import jsonable

    from .context import current

    if actor is None:
        user = current().user
        actor = user if getattr(user, "pk", None) else None
    return {"summary": summary[:300], "occurred_on": on or timezone.localdate(), "data": jsonable(data or {}),
            "document": (document or "")[:80], "actor": actor}


def add_many(objects, kind: str, summary: str, *, on: date | None = None, data: dict | None = None,
             document: str = "", actor=None) -> None:
    """The same entry on each of ``objects`` (saved, of one model), written at once where the store
    can (the default store: one bulk insert per thousand): an import's 登记 entries."""
    objects = list(objects)
    if objects:
        declaration(objects[0]).store.add_many(objects, kind=kind,
                                               **_entry_fields(summary, on, data, document, actor))


def entries(obj) -> models.QuerySet:
    """All of ``obj``'s entries, oldest first (a queryset: the API pages and filters it)."""
    return declaration(obj).store.entries(obj)


def timeline(obj, *, limit: int = TIMELINE_LIMIT, attachments=None) -> list:
    """The newest ``limit`` entries for a page, each with ``kind_display`` and ``url`` (its document,
    or the attachment it added while that attachment exists). ``attachments``: the object's current
    attachments if the caller has them already (saves a query)."""
    declared = declaration(obj)
    rows = list(declared.store.entries(obj).select_related("actor").order_by("-id")[:limit])
    present = _present_attachments(obj, attachments) if any(
        (e.data or {}).get("attachment") for e in rows) else {}
    for entry in rows:
        entry.kind_display = declared.kind_label(entry)
        entry.url = declared.link_of(entry)
        attachment_id = (entry.data or {}).get("attachment")
        if entry.url is None and attachment_id in present:
            entry.url = present[attachment_id]
    return rows


def _present_attachments(obj, attachments) -> dict:
    """{attachment id: download URL} of the object's attachments (none if it takes none)."""
    from .attachments import registry as attachment_registry

    if not attachment_registry.is_registered(obj):
        return {}
    declared = attachment_registry.declaration(obj)
    if attachments is None:
        from .models import Attachment

        ids = Attachment.objects.filter(content_type=ContentType.objects.get_for_model(type(obj)),
                                        object_id=obj.pk).values_list("pk", flat=True)
    else:
        ids = [a.pk for a in attachments]
    return {pk: declared.url("download", obj.pk, pk) for pk in ids}


def context(obj, *, limit: int = TIMELINE_LIMIT, attachments=None) -> dict:
    """The variables of ``core/_timeline.html`` for ``obj``."""
    return {"timeline": timeline(obj, limit=limit, attachments=attachments),
            "timeline_title": declaration(obj).title}
