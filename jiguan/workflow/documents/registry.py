"""Declarations of approvable document types (审批单据). Models-free: a module declares its
documents in ``AppConfig.ready()``::

    from jiguan.workflow import documents

    documents.register(documents.DocumentType(
        model="assets.Transfer", prefix="DB", business_type="assets.transfer", title=_("资产调拨"),
        list_url_name="assets:transfer_list", detail_url_name="assets:transfer_detail",
        related=("from_unit", "to_unit", "requested_by"),
        lines="items", line_object="asset", object_model="assets.Asset",
        fields=["from_unit", "to_unit", "reason", ("原值合计（元）", lambda d: ...)],
        line_fields=[("资产编码", "asset.code"), ("资产名称", "asset.name")],
        policies={"create": "jiguan.assets.policies.transfer_create",
                  "view": "jiguan.assets.policies.transfer_view"},
    ))

The kernel reads the declaration for numbering (``prefix``), the list, create and detail pages
(``documents.views``), the line picker, the printable 审批表 and its URL, locks over the line
objects and the policies per operation.
docs/development/adding-a-domain-object.md, "4. The approvable document".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.utils.module_loading import import_string

PREFIX = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")

# A field the 审批表 prints: a field name or dotted path on the document ("from_unit", "asset.code"),
# or (label, accessor) with accessor a dotted path or a callable(obj) -> value.
FieldSpec = str | tuple[str, str | Callable]


@dataclass(frozen=True, eq=True)
class DocumentType:
    model: str                      # "app_label.ModelName" of the document (derives from Document)
    prefix: str                     # numbers are PREFIX-YEAR-000001 (documents.next_number)
    business_type: str              # its workflow business type (jiguan.workflow.registry)
    title: str                      # what the document is called: 资产调拨 (the 审批表 is "资产调拨审批表")
    list_url_name: str
    detail_url_name: str
    pdf_url_name: str = ""          # the 审批表 PDF; default "<app>:<model>_pdf" (model in snake case)
    list_title: str = ""            # what its list page is called (title, breadcrumbs, export); default title
    # The relations its pages read with each document (select_related on its list, detail page and
    # 审批表): ("from_unit", "to_unit", "requested_by"). Empty: each view's own default.
    related: tuple = ()
    # Documents over objects (cards, keys, rooms …): ``lines`` is the related name of the line rows
    # on the document ("items") and ``line_object`` the FK on a line to its object ("asset"). A
    # document over one object has no line rows: lines="" and line_object names the FK on the
    # document itself. ``object_model`` is the objects' model ("assets.Asset").
    lines: str = ""
    line_object: str = ""
    object_model: str = ""
    line_order: str = ""            # ordering of the lines ("asset__code"); default their ids
    fields: tuple = ()              # what the 审批表 prints above the lines (FieldSpec)
    line_fields: tuple = ()         # the lines table's columns, relative to a line (FieldSpec)
    # One policy per operation: a dotted path or callable(actor, *args) raising PermissionDenied
    # with a Chinese message; "view" is asked by the detail page and the 审批表.
    policies: dict = field(default_factory=dict, hash=False)

    def __post_init__(self):
        if not PREFIX.match(self.prefix):
            raise ValueError(f"document prefix {self.prefix!r}: 1-10 capital letters or digits, a letter first")
        if self.lines and not self.line_object:
            raise ValueError(f"{self.model}: lines={self.lines!r} needs line_object")
        # Frozen, but lists are handy to write: keep tuples (hashable, never changed by a caller).
        object.__setattr__(self, "fields", tuple(self.fields))
        object.__setattr__(self, "line_fields", tuple(self.line_fields))
        object.__setattr__(self, "related", tuple(self.related))

    # Models ---------------------------------------------------------------------------------

    @property
    def label(self) -> str:
        return self.model.lower()

    def model_class(self):
        return apps.get_model(self.model)

    def object_model_class(self):
        return apps.get_model(self.object_model) if self.object_model else None

    @property
    def over_objects(self) -> bool:
        return bool(self.line_object)

    # URLs -----------------------------------------------------------------------------------

    @property
    def pdf_url(self) -> str:
        if self.pdf_url_name:
            return self.pdf_url_name
        app_label, name = self.model.split(".")
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
        return f"{app_label}:{snake}_pdf"

    # Lines and their objects ----------------------------------------------------------------

    def line_rows(self, document) -> list:
        """The document's lines with their objects (one query), or [document] for a document over
        one object, or [] for a document without objects."""
        if self.lines:
            rows = getattr(document, self.lines).all()
            if self.line_object:
                rows = rows.select_related(self.line_object)
            return list(rows.order_by(self.line_order or "pk"))
        if self.line_object:
            return [document]
        return []

    def objects_of(self, document) -> list:
        """The objects the document is over (what it locks)."""
        if not self.line_object:
            return []
        return [getattr(row, self.line_object) for row in self.line_rows(document)]

    # Policies -------------------------------------------------------------------------------

    def policy(self, operation: str) -> Callable | None:
        target = self.policies.get(operation)
        if target is None:
            return None
        return import_string(target) if isinstance(target, str) else target

    def check(self, operation: str, actor, *args) -> None:
        """Ask the declared policy of ``operation`` (PermissionDenied when it refuses); nothing is
        declared: nothing to ask."""
        policy = self.policy(operation)
        if policy is not None:
            policy(actor, *args)


_types: dict[str, DocumentType] = {}


def register(document_type: DocumentType) -> DocumentType:
    """Declare a document type (in ``AppConfig.ready()``). A prefix belongs to one type."""
    existing = _types.get(document_type.label)
    if existing is not None and (existing.prefix, existing.business_type) != (document_type.prefix,
                                                                               document_type.business_type):
        raise ValueError(f"document type {document_type.model} is already registered differently")
    for other in _types.values():
        if other.prefix == document_type.prefix and other.label != document_type.label:
            raise ValueError(f"document prefix {document_type.prefix} is already used by {other.model}")
    _types[document_type.label] = document_type
    return document_type


def unregister(model: str) -> None:
    """For tests that register a throw-away document type."""
    _types.pop(model.lower(), None)


def registry() -> list[DocumentType]:
    """Every declared document type, by model label."""
    return [_types[key] for key in sorted(_types)]


def _label_of(model_or_obj) -> str:
    if isinstance(model_or_obj, str):
        return model_or_obj.lower()
    meta = getattr(model_or_obj, "_meta", None)
    if meta is None:
        raise TypeError(f"not a model, instance or label: {model_or_obj!r}")
    return meta.label_lower


def type_of(model_or_obj) -> DocumentType:
    """The declaration of a document model, instance or "app_label.Model" (LookupError if none)."""
    label = _label_of(model_or_obj)
    try:
        return _types[label]
    except KeyError:
        raise LookupError(f"not a declared document type: {label}") from None


def types_over(model) -> Iterable[DocumentType]:
    """The document types over objects of ``model`` (a line picker's neighbours)."""
    label = _label_of(model)
    return [t for t in registry() if t.object_model.lower() == label]
