"""Register declarations (登记簿): a plain register of unit-owned rows, declared once.

A module with a register (keys, seals, vehicles ...) writes its model, filterset, table, form and
serializer, and one declaration in ``<app>/registers.py``::

    from jiguan.core import registers

    keys = registers.register(registers.Register(
        Key, filterset=KeyFilter, table=KeyTable(), form=KeyForm, serializer=KeySerializer,
        importer=KeyImporter, menu=registers.MenuEntry("keys", _("钥匙"), "key", section_label=_("钥匙管理")),
        search_fields=["code", "room"], select_related=["unit"]))

``register`` declares, from it, the menu entry, the attachments and history of the model, its importer,
its search provider and (``tile=True``) a home-page tile; ``urlpatterns(app_label)`` and
``api_urlpatterns(app_label)`` give the app's ``urls.py`` and ``api/urls.py`` their routes:

* pages (``core.views`` bases, so the scope rules and test_meta hold): the list (filters, pagination,
  Excel export), the detail page (fields, the attachments panel and the history timeline), create
  and edit; URL names ``<app>:<model>_list|_detail|_create|_edit``;
* the API viewset (``core.api.ScopedModelViewSet``: list, detail, create, patch), under ``api_prefix``.

Every write, page or API, goes through ``Register.create`` / ``Register.update``: the row's unit must
be in the actor's scope for the action (``add`` / ``change``), then ``core.services.generic_create`` /
``generic_update`` validate and audit it, and a timeline entry (登记 "创建…" / 变更 "修改：<fields>") is
added to the object.
The app's ``apps.py`` imports its ``registers`` module in ``ready()``.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, path, reverse
from django.utils.http import urlencode
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiguan.audit import services as audit

from . import menu as menus
from .api import ScopedModelViewSet
from .scoping import path_of, permission_name
from .services import generic_create, generic_update
from .tables import display
from .views import ObjectDetailView, ObjectFormView, ObjectListView

# The generated pages: action -> route under the register's url_prefix.
PAGE_ROUTES = {"list": "", "create": "new/", "detail": "<int:pk>/", "edit": "<int:pk>/edit/"}

# History entry kinds written by the generic create and edit.
HISTORY_CREATED = "create"
HISTORY_CHANGED = "change"


@dataclass(frozen=True)
class MenuEntry:
    """Where the register's list appears in the left navigation: ``section`` is the section key (an
    existing one, or a new one with ``section_label`` and ``section_icon``); icons are Bootstrap Icons."""

    section: str
    label: str
    icon: str = "dot"
    section_label: str = ""
    section_icon: str = "grid"
    order: int = 500


class Register:
    """The declaration of one register. Only ``model`` and the four building blocks (filterset, table,
    form, serializer) are required; ``importer`` (an ``Importer`` subclass, ``core.imports``) gives the
    register its import page and API.

    ``url_prefix``: the pages' path inside the app's URLs (default ``<model>s/``); ``api_prefix``: the
    API route under ``/api/v1/`` (default ``<app-label>/<model>s``). ``attachments`` / ``history``:
    the detail page shows the kernel's attachments panel / history timeline (and the model is declared
    to them). ``search_fields``: the fields the global search matches (``icontains``); none, no search
    provider. ``ordering``: of the list page and the API; ``ordering_fields``: what the API's
    ``?ordering=`` accepts. ``select_related`` / ``prefetch_related``: what the table, the detail page
    and the serializer read. ``detail_fields``: the fields of the detail page (default: the form's).
    ``tile``: a home-page tile (``core.dashboard``) with the number of rows the user sees.
    ``history_kinds``: labels of the timeline kinds the module writes besides 登记 and 变更.

    A register whose rows are written by a service of its own (an approvable document) names it:
    ``create_service(actor=..., **data)`` creates from the form's or the API body's data (and does its
    own scope, policy, audit and history), ``editable=False`` offers no edit page and no PATCH.
    ``pages`` replaces a generated page by the module's class (``{"create": HandoverCreateView}``),
    leaves one out (``{"edit": None}``) or adds one (``{"pdf": ("<int:pk>/form.pdf", PdfView)}``,
    named ``<app>:<model>_pdf``). ``view_policy(actor, obj)`` (raising PermissionDenied; a callable or
    its dotted path, read at each call) is asked by the generated detail page and the API's detail.
    """

    def __init__(self, model: type[models.Model], *, filterset, table, form, serializer, importer=None,
                 menu: MenuEntry | None = None, url_prefix: str | None = None, api_prefix: str | None = None,
                 attachments: bool = True, history: bool = True, search_fields: Sequence[str] = (),
                 ordering: Sequence[str] = (), ordering_fields: Sequence[str] | None = None,
                 select_related: Sequence[str] = (), prefetch_related: Sequence[str] = (),
                 detail_fields: Sequence[str] | None = None, attachment_deletable: Callable | None = None,
                 history_kinds: dict | None = None, tile: bool = False, create_service: Callable | str | None = None,
                 editable: bool = True, pages: dict | None = None, view_policy: Callable | str | None = None,
                 create_message: str = "", update_message: str = ""):
        if not getattr(model, "scope_path", None):
            raise ImproperlyConfigured(f"{model._meta.label}: a register is a unit-owned model (scope_path)")
        self.model = model
        self.filterset = filterset
        self.table = table
        self.form = form
        self.serializer = serializer
        self.importer = importer
        self.menu = menu
        opts = model._meta
        self.app_label, self.model_name = opts.app_label, opts.model_name
        self.url_prefix = f"{self.model_name}s/" if url_prefix is None else url_prefix
        self.api_prefix = api_prefix or f"{self.app_label.replace('_', '-')}/{self.model_name}s"
        self.attachments = attachments
        self.history = history
        self.search_fields = tuple(search_fields)
        self.ordering = tuple(ordering) or tuple(opts.ordering) or ("-pk",)
        self.ordering_fields = tuple(ordering_fields) if ordering_fields is not None else tuple(
            dict.fromkeys([f.lstrip("-") for f in self.ordering if "__" not in f] + ["created_at"]))
        self.select_related = tuple(select_related)
        self.prefetch_related = tuple(prefetch_related)
        self.detail_fields = tuple(detail_fields) if detail_fields is not None else None
        self.attachment_deletable = attachment_deletable
        self.tile = tile
        self.history_kinds = dict(history_kinds or {})
        self.create_service = create_service
        self.editable = editable
        self.view_policy = view_policy
        self.pages = dict(pages or {})
        unknown = set(self.pages) - set(PAGE_ROUTES)
        for action in unknown:
            if not isinstance(self.pages[action], tuple):
                raise ImproperlyConfigured(f"{self.key}: page {action!r} needs (route, view class)")
        self.create_message = create_message or gettext_lazy("已保存。")
        self.update_message = update_message or gettext_lazy("已保存。")

    def __repr__(self) -> str:
        return f"<Register {self.model._meta.label}>"

    # Names ------------------------------------------------------------------------------------
    @property
    def key(self) -> str:
        """``<app_label>.<model_name>``: the key of its importer, search provider and registry entry."""
        return self.model._meta.label_lower

    def url_name(self, action: str) -> str:
        return f"{self.app_label}:{self.model_name}_{action}"

    def permission(self, action: str) -> str:
        return permission_name(self.model, action)

    @property
    def title(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    def optimize(self, queryset):
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return queryset.order_by(*self.ordering)

    # Writes (pages and API alike) ----------------------------------------------------------------
    def require_in_scope(self, actor, instance, action: str) -> None:
        """The unit that owns ``instance`` (following ``scope_path``) must be in ``actor``'s scope
        for ``action``; a row without a unit is refused (its validation names the missing field first)."""
        if not actor.get_scope(self.permission(action)).contains_path(path_of(instance)):
            raise PermissionDenied(_("所选单位不在您的数据范围内。"))

    def _owner_set(self, instance) -> bool:
        owner = self.model.scope_path.split("__")[0]
        field = self.model._meta.get_field(owner)
        return getattr(instance, field.attname, None) is not None

    def check_view(self, actor, obj) -> None:
        """Ask ``view_policy`` (a callable or its dotted path, read at each call) about ``obj``."""
        if self.view_policy is not None:
            _callable(self.view_policy)(actor, obj)

    def create_from(self, data: dict, *, actor):
        """A new row from a form's or an API body's validated data: through ``create_service`` when
        the register has one, otherwise ``create``."""
        if self.create_service is not None:
            with transaction.atomic():
                return _callable(self.create_service)(actor=actor, **data)
        plain, m2m = split_m2m(self.model, data)
        return self.create(self.model(**plain), actor=actor, m2m=m2m)

    def create(self, instance, *, actor, m2m: dict | None = None):
        """Validate, scope-check, save and audit a new row; its history starts with 创建."""
        with transaction.atomic():
            if not self._owner_set(instance):
                instance.full_clean()  # names the missing unit on its field
            self.require_in_scope(actor, instance, "add")
            save_m2m = (lambda: _set_m2m(instance, m2m)) if m2m else None
            generic_create(instance, save_m2m=save_m2m)
            if self.history:
                _history().add(instance, HISTORY_CREATED, _("创建%(name)s") % {
                    "name": self.model._meta.verbose_name}, actor=actor)
        return instance

    def update(self, instance, changes: dict, *, actor, m2m: dict | None = None):
        """Apply ``changes`` (field -> value) to a row in the actor's change scope: the row's unit, also
        a new one, must be in that scope. Audited with the changed fields only; a history entry names
        them (nothing when nothing changed)."""
        with transaction.atomic():
            before = audit.snapshot(instance)
            probe = copy.copy(instance)  # the row as it would be, for the scope check before any write
            for name, value in changes.items():
                setattr(probe, name, value)
            self.require_in_scope(actor, probe, "change")
            generic_update(instance, changes)
            changed = [name for name in audit.diff(before, audit.snapshot(instance))[1] or {}]
            if m2m:
                _set_m2m(instance, m2m)
            if self.history and changed:
                labels = "、".join(str(self._field_label(name)) for name in changed)
                _history().add(instance, HISTORY_CHANGED, _("修改：%(fields)s") % {"fields": labels},
                               data={"fields": changed}, actor=actor)
        return instance

    def _field_label(self, attname: str) -> str:
        for field in self.model._meta.concrete_fields:
            if attname in (field.name, field.attname):
                return field.verbose_name
        return attname

    # Pages ------------------------------------------------------------------------------------
    def _class(self, suffix: str, bases: tuple, attrs: dict):
        name = f"{self.model.__name__}{suffix}"
        attrs = {"__module__": self.model.__module__.rsplit(".", 1)[0] + ".registers", "__qualname__": name,
                 "__doc__": f"{suffix} of {self.model._meta.label}, generated by core.registers.", **attrs}
        return type(name, bases, attrs)

    @cached_property
    def list_view(self):
        return self._class("ListView", (RegisterListView,), {
            "model": self.model, "register": self, "table": self.table, "filterset_class": self.filterset,
            "create_url_name": self.url_name("create") if self.page_view("create") else "", "export_name": self.model._meta.verbose_name_plural})

    @cached_property
    def detail_view(self):
        return self._class("DetailView", (RegisterDetailView,), {"model": self.model, "register": self})

    @cached_property
    def create_view(self):
        return self._class("CreateView", (RegisterCreateView,), {
            "model": self.model, "register": self, "form_class": self.form, "success_message": self.create_message})

    @cached_property
    def edit_view(self):
        return self._class("EditView", (RegisterEditView,), {
            "model": self.model, "register": self, "form_class": self.form, "success_message": self.update_message})

    def page_view(self, action: str):
        """The view class of page ``action`` (the module's, or the generated one); None: no such page."""
        if action in self.pages:
            page = self.pages[action]
            return page[1] if isinstance(page, tuple) else page
        if action == "edit" and not self.editable:
            return None
        return getattr(self, f"{action}_view") if action in PAGE_ROUTES else None

    def urlpatterns(self) -> list:
        patterns = []
        for action in [*PAGE_ROUTES, *(a for a in self.pages if a not in PAGE_ROUTES)]:
            view = self.page_view(action)
            if view is None:
                continue
            page = self.pages.get(action)
            route = page[0] if isinstance(page, tuple) else PAGE_ROUTES[action]
            patterns.append(path(f"{self.url_prefix}{route}", view.as_view(), name=f"{self.model_name}_{action}"))
        return patterns

    # API --------------------------------------------------------------------------------------
    @cached_property
    def viewset(self):
        return self._class("ViewSet", (RegisterViewSet,), {
            "__doc__": f"{self.model._meta.verbose_name_plural} in the caller's scope.",
            "register": self, "queryset": self.model.objects.all(), "serializer_class": self.serializer,
            "filterset_class": self.filterset, "ordering_fields": list(self.ordering_fields),
            "ordering": list(self.ordering),
            "http_method_names": ["get", "post", *(["patch"] if self.editable else []), "head", "options"]})

    def api_routes(self, router) -> None:
        router.register(self.api_prefix, self.viewset, basename=f"{self.app_label}-{self.model_name}")

    # Declarations -----------------------------------------------------------------------------
    def declare(self) -> None:
        """Declare the register to the kernel: menu, attachments, history, importer, search."""
        if self.menu is not None:
            entry = self.menu
            menus.register(entry.section, entry.section_label or entry.label, entry.section_icon, [
                menus.MenuItem(entry.label, self.url_name("list"), self.permission("view"), entry.icon)],
                order=entry.order)
        if self.attachments:
            options = {"view_permission": self.permission("view"), "change_permission": self.permission("change")}
            if self.attachment_deletable is not None:
                options["deletable"] = self.attachment_deletable
            _kernel("attachments").register(self.model, **options)
        if self.history:
            _kernel("history").register(self.model, kinds=self.history_kinds)
        if self.importer is not None:
            _kernel("imports").register_importer(self.key, self.importer, permission=self.permission("import"),
                                                 list_url_name=self.url_name("list"))
        if self.search_fields:
            search = _kernel("search")
            search.register(search.SearchProvider(
                key=self.key, label=self.title, permission=self.permission("view"), search=self.search,
                more_url=self.search_more_url if "q" in self.filterset.base_filters else None,
                order=self.menu.order if self.menu else 500))
        if self.tile:
            dashboard = _kernel("dashboard")
            dashboard.register(dashboard.Widget(
                key=f"{self.key}.count", label=self.title, permission=self.permission("view"),
                provider=self.tile_data, order=self.menu.order if self.menu else 500,
                icon=self.menu.icon if self.menu else "", url_name=self.url_name("list")))

    def tile_data(self, board) -> dict:
        """The home-page tile: how many rows the user sees (below the board's unit, when it has one)."""
        rows = self.model.objects.restrict(board.user, "view")
        scope_path = getattr(self.model, "scope_path", None)
        if board.unit is not None and scope_path:
            rows = rows.filter(**{f"{scope_path}__startswith": board.unit.path})
        return _kernel("dashboard").tile(rows.count())

    def search_more_url(self, q: str) -> str:
        """The list page filtered by the query (its filterset's ``q``)."""
        return f"{reverse(self.url_name('list'))}?{urlencode({'q': q})}"

    def search(self, user, q: str, limit: int) -> list:
        """The global search's hits of this register: rows in the user's view scope whose
        ``search_fields`` contain ``q``."""
        q = (q or "").strip()
        if not q:
            return []
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": q})
        rows = self.optimize(self.model.objects.restrict(user, "view").filter(condition))[:limit]
        hit = _kernel("search").SearchHit
        return [hit(title=str(row), subtitle=str(display(getattr(row, self.model.scope_path.split("__")[0], ""))),
                    url=row.get_absolute_url()) for row in rows]


def _set_m2m(instance, m2m: dict) -> None:
    for name, value in m2m.items():
        getattr(instance, name).set(value)


def split_m2m(model, data: dict) -> tuple[dict, dict]:
    """(plain fields, many-to-many fields) of validated data: a many-to-many is set after the save."""
    m2m_names = {f.name for f in model._meta.many_to_many}
    return ({k: v for k, v in data.items() if k not in m2m_names}, {k: v for k, v in data.items() if k in m2m_names})


def _callable(value):
    return import_string(value) if isinstance(value, str) else value


def _kernel(name: str):
    return importlib.import_module(f"jiguan.core.{name}")


def _history():
    return _kernel("history")


# The generated classes' bases --------------------------------------------------------------------


class RegisterViewMixin:
    register: Register = None

    def optimize(self, queryset):
        return self.register.optimize(queryset)

    def list_breadcrumb(self):
        return (self.register.title, reverse(self.register.url_name("list")))


class RegisterListView(RegisterViewMixin, ObjectListView):
    extra_actions_template = "core/_register_list_actions.html"

    def get_breadcrumbs(self):
        return [(self.register.title, None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["import_url"] = import_url(self.register, self.request.user)
        return context


def import_url(register: Register, user) -> str:
    """The kernel's import page of the register, for a user who may import; "" otherwise."""
    if register.importer is None or not user.has_perm(register.permission("import")):
        return ""
    try:
        return reverse("imports:import", args=[register.key])
    except NoReverseMatch:
        return ""


class RegisterDetailView(RegisterViewMixin, ObjectDetailView):
    template_name = "core/register_detail.html"

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        self.register.check_view(self.request.user, obj)
        return obj

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        register, obj, user = self.register, self.object, self.request.user
        names = register.detail_fields or [*register.form._meta.fields, "created_at", "updated_at"]
        fields = []
        for name in names:
            field = register.model._meta.get_field(name)
            display_value = getattr(obj, f"get_{name}_display", None)
            value = display_value() if callable(display_value) else getattr(obj, name)
            fields.append((field.verbose_name, display(value)))
        context["fields"] = fields
        context["title"] = str(obj)
        context["edit_url"] = reverse(register.url_name("edit"), args=[obj.pk]) if register.page_view(
            "edit") is not None and user.has_perm(register.permission("change"), obj) else ""
        context["breadcrumbs"] = [self.list_breadcrumb(), (str(obj), None)]
        context["show_attachments"], context["show_history"] = register.attachments, register.history
        attachments = None
        if register.attachments:
            panel = _kernel("attachments").attachments_context(obj, user)
            context.update(panel)
            attachments = panel["attachments"]
        if register.history:
            context.update(_history().context(obj, attachments=attachments))
        return context


class RegisterCreateView(RegisterViewMixin, ObjectFormView):
    action = "add"

    def get_breadcrumbs(self):
        return [self.list_breadcrumb(), (self.get_title(), None)]

    def perform(self, form):
        if self.register.create_service is not None or not hasattr(form, "save"):
            return self.register.create_from(dict(form.cleaned_data), actor=self.request.user)
        instance = form.save(commit=False)
        _plain, m2m = split_m2m(self.model, form.cleaned_data)
        return self.register.create(instance, actor=self.request.user, m2m=m2m)


class RegisterEditView(RegisterViewMixin, ObjectFormView):
    action = "change"

    def get_breadcrumbs(self):
        obj = self.get_object()
        return [self.list_breadcrumb(), (str(obj), obj.get_absolute_url()), (_("编辑"), None)]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # A fresh instance: the form must not change the object; Register.update does, and audits it.
        kwargs["instance"] = self.model.objects.get(pk=self.get_object().pk)
        return kwargs

    def perform(self, form):
        names = {f.name for f in self.model._meta.concrete_fields}
        data = {k: v for k, v in form.cleaned_data.items() if k in names or k in {
            f.name for f in self.model._meta.many_to_many}}
        changes, m2m = split_m2m(self.model, data)
        return self.register.update(self.get_object(), changes, actor=self.request.user, m2m=m2m)


class RegisterViewSet(ScopedModelViewSet):
    register: Register = None
    http_method_names = ["get", "post", "patch", "head", "options"]

    def optimize(self, queryset):
        return self.register.optimize(queryset)

    def get_object(self):
        obj = super().get_object()
        self.register.check_view(self.request.user, obj)
        return obj

    def perform_create(self, serializer):
        serializer.instance = self.register.create_from(dict(serializer.validated_data), actor=self.request.user)

    def perform_update(self, serializer):
        changes, m2m = split_m2m(self.queryset.model, dict(serializer.validated_data))
        serializer.instance = self.register.update(serializer.instance, changes, actor=self.request.user, m2m=m2m)


# Registry ----------------------------------------------------------------------------------------

_registers: dict[str, Register] = {}


def register(declaration: Register) -> Register:
    """Record and declare a register (from the app's ``registers`` module, imported in ``ready()``).
    Declaring the same model twice is an error."""
    if declaration.key in _registers and _registers[declaration.key] is not declaration:
        raise ImproperlyConfigured(f"{declaration.key} is already declared as a register")
    if declaration.key not in _registers:
        _registers[declaration.key] = declaration
        declaration.declare()
    return declaration


def registered(app_label: str | None = None) -> list[Register]:
    return [r for r in _registers.values() if app_label is None or r.app_label == app_label]


def register_of(model_or_obj) -> Register | None:
    return _registers.get(model_or_obj._meta.label_lower)


def _app_registers(app_label: str) -> list[Register]:
    from django.apps import apps

    importlib.import_module(f"{apps.get_app_config(app_label).name}.registers")
    return registered(app_label)


def urlpatterns(app_label: str) -> list:
    """The pages of every register of ``app_label``, for its ``urls.py`` (``app_name = app_label``)."""
    return [pattern for r in _app_registers(app_label) for pattern in r.urlpatterns()]


def api_urlpatterns(app_label: str) -> list:
    """The API routes of every register of ``app_label``, for its ``api/urls.py``."""
    from rest_framework.routers import SimpleRouter

    router = SimpleRouter()
    for r in _app_registers(app_label):
        r.api_routes(router)
    return router.urls
