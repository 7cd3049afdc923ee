"""Registered importers (导入声明): one declaration per importer gives it the kernel's import page
``/imports/<key>/`` (upload, progress of a background job, error report, template download) and API
``/api/v1/imports/<key>/`` (upload, ``<token>/`` status, ``<token>/report/`` error report), and lets a
module's own import page and API actions be thin declarations over it.

    from jiguan.core import imports

    imports.register_importer("vehicles.vehicle", VehicleImporter, permission="vehicles.import_vehicle",
                              list_url_name="vehicles:vehicle_list",
                              success_message=_("已成功导入 %(count)d 辆车。"))

Declare from ``AppConfig.ready()``: the URL patterns are built from the registry when the URLconf is
first loaded. The key is ``<app_label>.<model_name>`` by convention (what ``core.registers`` uses).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..scoping import permission_name
from .readers import import_setting

KEY = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


def imported_body(importer, result) -> dict:
    """The API's answer to a file imported at once (201): how many records it created."""
    return {"imported": result.created}


@dataclass(eq=False)
class ImportDeclaration:
    """What the kernel knows of a registered importer. Only ``key``, ``importer_class`` and
    ``permission`` are needed; the rest has defaults:

    - ``label``: what is imported, in Chinese (default: the importer's label);
    - ``list_url_name``: the list the page's breadcrumbs and a successful import lead to (default
      ``<app_label>:<model_name>_list`` when it exists, else the import page itself);
    - ``success_message`` (``%(count)d``, ``%(file)s``), ``template_name`` (the upload page),
      ``progress_template_name`` (the page of a running job), ``template_url_name`` (where the page
      links the template; default the kernel's ``imports:template``);
    - ``inline_max_rows``: files estimated over this many data rows run as the job
      ``core.import_run`` (default the setting ``JIGUAN_IMPORT["INLINE_MAX_ROWS"]``, 2,000);
    - ``result_body(importer, result) -> dict``: the API's 201 body of a file imported at once
      (default ``{"imported": n}``), with ``result_serializer`` documenting it in OpenAPI.
    """

    key: str
    importer_class: type
    permission: str
    label: str = ""
    list_url_name: str = ""
    success_message: str = gettext_lazy("已成功导入 %(count)d 条记录。")
    template_name: str = "core/import.html"
    progress_template_name: str = "core/import_progress.html"
    template_url_name: str = ""
    inline_max_rows: int | None = None
    result_body: Callable = imported_body
    result_serializer: type | None = None
    importer_kwargs: dict = field(default_factory=dict)  # the importer's keyword arguments besides the actor

    @property
    def model(self):
        return self.importer_class.model

    def get_label(self) -> str:
        return str(self.label or self.importer_class.label or self.model._meta.verbose_name_plural)

    def importer(self, user, **kwargs):
        """A new importer acting as ``user``."""
        return self.importer_class(user, **{**self.importer_kwargs, **kwargs})

    def get_inline_max_rows(self) -> int:
        limit = self.inline_max_rows
        return int(import_setting("INLINE_MAX_ROWS") if limit is None else limit)

    def page_url(self) -> str:
        return reverse("imports:import", args=[self.key])

    def template_url(self) -> str:
        return reverse(self.template_url_name) if self.template_url_name else reverse("imports:template", args=[self.key])

    def list_url(self) -> str:
        """The list page of what is imported, or "" when there is none."""
        if self.list_url_name:
            return reverse(self.list_url_name)
        try:
            return reverse(f"{self.model._meta.app_label}:{self.model._meta.model_name}_list")
        except NoReverseMatch:
            return ""

    def breadcrumbs(self) -> list[tuple[str, str | None]]:
        listed = self.list_url()
        return [*([(self.get_label(), listed)] if listed else []), (_("导入"), None)]


_registry: dict[str, ImportDeclaration] = {}


def register_importer(key: str, importer_class: type, *, permission: str | None = None, label: str = "",
                      **options) -> ImportDeclaration:
    """Declare ``importer_class`` under ``key`` (``<app_label>.<model_name>``). ``permission`` defaults
    to the importer's own (``<app>.import_<model>``); ``options`` are the other fields of
    ``ImportDeclaration``. Declaring a key again with the same importer replaces the declaration
    (``ready()`` may run twice in tests); with another importer it is an error."""
    if not KEY.match(key):
        raise ImproperlyConfigured(f"importer key {key!r}: expected <app_label>.<model_name>")
    if getattr(importer_class, "model", None) is None:
        raise ImproperlyConfigured(f"importer {importer_class.__name__}: a registered importer imports a model")
    current = _registry.get(key)
    if current is not None and current.importer_class is not importer_class:
        raise ImproperlyConfigured(f"importer key {key!r} is already declared for {current.importer_class.__name__}")
    permission = permission or permission_name(importer_class.model, getattr(importer_class, "action", "import"))
    declaration = ImportDeclaration(key=key, importer_class=importer_class, permission=permission, label=label,
                                    **options)
    _registry[key] = declaration
    return declaration


def importer_for(key: str) -> ImportDeclaration:
    """The declaration of ``key``; LookupError when none was registered."""
    try:
        return _registry[key]
    except KeyError:
        raise LookupError(f"no importer is registered as {key!r}") from None


def registered() -> list[ImportDeclaration]:
    """Every declaration, by key."""
    return [_registry[key] for key in sorted(_registry)]
