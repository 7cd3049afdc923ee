"""The pages every approvable document gets: its list (``DocumentListView``), its create page
(``DocumentCreateView``, with the object picker ``LinePickerMixin`` for a document over objects),
its detail page (``DocumentDetailView``) and its printable 审批表 (``DocumentPdfView``).

They read the document's declaration (``DocumentType``): its list's title and URL name for titles
and breadcrumbs, ``related`` for the relations read with each document. A module subclasses them
with ``model`` and only what differs (a template, a table, the service its create page calls):
the assets documents (jiguan/assets/views/documents.py) and the key handover
(jiguan/kernel_example/views.py) are the worked examples; docs/development/adding-a-domain-object.md
walks through them.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views import View

from jiguan.core import locks
from jiguan.core.validators import parse_id, parse_ids
from jiguan.core.views import ObjectDetailView, ObjectFormView, ObjectListView, ScopedViewMixin

from . import values
from .badges import document_badge
from .pdf import approval_form_pdf, pdf_response
from .registry import type_of


def approval_context(obj, user) -> dict:
    """The object's latest approval request, its timeline and whether ``user`` may decide it."""
    from jiguan.workflow import services as workflow
    from jiguan.workflow.selectors import latest_request

    request = latest_request(obj)
    if request is None:
        return {"approval": None}
    can_decide = workflow.can_act(user, request)
    return {"approval": request,
            "approval_actions": list(request.actions.select_related("actor").order_by("id")),
            "can_decide": can_decide,
            # The request's own page opens for its applicant, its approvers and those who may view the
            # unit's requests; others see its status and timeline here only (no link that answers 404).
            "can_open_approval": can_decide or type(request).objects.restrict(user, "view")
            .filter(pk=request.pk).exists()}


def pdf_url(document) -> str:
    """The 审批表 of ``document`` ("" when its module has no URL for it)."""
    try:
        return reverse(type_of(document).pdf_url, args=[document.pk])
    except (NoReverseMatch, LookupError):
        return ""


class DocumentMixin:
    """The declaration of the view's document model (``document_type``, or found by ``model``)."""

    document_type = None
    list_title = ""  # default: the declaration's list_title, else its title

    def get_document_type(self):
        return self.document_type or type_of(self.model)

    def get_list_title(self):
        dtype = self.get_document_type()
        return self.list_title or dtype.list_title or dtype.title

    def with_related(self, queryset, default: tuple[str, ...] = ()):
        """``queryset`` with the declaration's ``related`` (``default`` when it declares none)."""
        related = self.get_document_type().related or default
        return queryset.select_related(*related) if related else queryset

    def check_policy(self, operation: str, document) -> None:
        """Ask the type's policy of ``operation`` for the requesting user (PermissionDenied: 403)."""
        self.get_document_type().check(operation, self.request.user, document)


class DocumentDetailView(DocumentMixin, ObjectDetailView):
    """A document's page: its number as the title with the status badge, breadcrumbs back to its
    list, its fields and lines, its approval request (status, current step, timeline, 去审批 for
    whoever may decide) and the 打印审批表 link. The type's ``view`` policy is asked."""

    template_name = "workflow/document_detail.html"
    list_url_name = ""
    # The declared fields and lines (``fields``, ``line_header``, ``lines``) for the generic
    # template; a module whose own template shows them its way sets False (no queries for them).
    declared_context = True

    def get_object(self, queryset=None):
        document = super().get_object(queryset)
        self.check_policy("view", document)
        return document

    def optimize(self, queryset):
        return self.with_related(queryset)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        document, dtype = self.object, self.get_document_type()
        list_title = self.get_list_title()
        context.update(approval_context(document, self.request.user))
        context.update({
            "document_type": dtype,
            "status_badge": document_badge(document),
            "title": document.number,
            "breadcrumbs": [(list_title, reverse(self.list_url_name or dtype.list_url_name)), (document.number, None)],
            "pdf_url": pdf_url(document),
        })
        if not self.declared_context:
            return context
        for key, value in document_content(document, dtype, skip=context).items():
            context[key] = value
        return context


def document_content(document, dtype=None, skip=()) -> dict:
    """What a document says, as its declaration shows it: ``fields`` (label, text) and, for a document
    with lines, ``line_header`` and ``lines`` (each with its cells and object). Its own page and the
    approval page (the approver sees what they decide) show the same. Keys in ``skip`` are left out."""
    dtype = dtype or type_of(document)
    content = {}
    if "fields" not in skip:
        content["fields"] = values.rows(document, dtype.fields)
    if dtype.lines and "lines" not in skip:
        lines = dtype.line_rows(document)
        content["line_header"] = values.labels(document._meta.get_field(dtype.lines).related_model,
                                               dtype.line_fields)
        content["lines"] = [{"line": line, "cells": values.cells(line, dtype.line_fields),
                             "object": getattr(line, dtype.line_object)} for line in lines]
    return content


class DocumentPdfView(DocumentMixin, ScopedViewMixin, View):
    """The 审批表 PDF of one document in the viewer's scope (404 outside it), shown inline."""

    def get(self, request, pk):
        document = self.get_queryset().filter(pk=pk).first()
        if document is None:
            raise Http404(_("记录不存在，或不在您的数据范围内。"))
        self.check_policy("view", document)
        title = _("%(title)s审批表") % {"title": self.get_document_type().title}
        return pdf_response(approval_form_pdf(document), f"{title}-{document.number}.pdf")

    def optimize(self, queryset):
        return self.with_related(queryset, default=("requested_by",))


class DocumentListView(DocumentMixin, ObjectListView):
    """A document's list: titled, exported and breadcrumbed as the declaration's list, newest first,
    each row read with the declaration's ``related``. Set ``model``, ``table``, ``filterset_class``
    and ``create_url_name`` (when it has a create page)."""

    list_order: tuple[str, ...] = ("-id",)

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        list_title = self.get_list_title()
        self.title = self.title or list_title
        self.export_name = self.export_name or list_title

    def get_breadcrumbs(self):
        return list(self.breadcrumbs) or [(self.title, None)]

    def optimize(self, queryset):
        return self.with_related(queryset).order_by(*self.list_order)


class DocumentCreateView(DocumentMixin, ObjectFormView):
    """A document's create page: titled ``create_title``, with breadcrumbs back to its list. Set
    ``model``, ``form_class``, ``create_title``, ``success_message`` and ``perform(form)`` (the
    module's service, which asks the type's "create" policy); add ``LinePickerMixin`` first for a
    document over objects."""

    action = "add"
    template_name = "workflow/document_form.html"
    create_title = ""

    def get_title(self):
        return str(self.create_title) if self.create_title else super().get_title()

    def get_breadcrumbs(self):
        if self.breadcrumbs:
            return list(self.breadcrumbs)
        dtype = self.get_document_type()
        return [(self.get_list_title(), dtype.list_url_name), (self.get_title(), None)]


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


class LinePickerMixin(DocumentMixin):
    """The create page of a document over objects: objects preselected by ``?<lines_field>=1,2,3``
    and a search that adds objects of the chosen unit (an htmx partial, or a plain GET without
    JavaScript). An object another open document holds (``core.locks``) is excluded from the
    candidates (``busy = "exclude"``) or shown marked and not selectable (``busy = "mark"``,
    with the holding document's number).

    Set on the view: ``lines_field`` (the form field of the picked ids), ``unit_field`` (the form's
    unit; candidates are that unit's objects), ``object_unit_field`` (the objects' FK to it) and
    ``objects_permission`` (objects are offered within its scope: ``<app>.add_<document>``).
    Override ``objects_queryset`` / ``candidate_queryset`` to narrow them (e.g. by status) and
    ``search`` to search them."""

    lines_field = ""  # required, e.g. "assets"
    unit_field = "unit"
    object_unit_field = "unit"
    objects_permission = ""
    candidate_limit = 20

    def setup(self, request, *args, **kwargs):
        if not self.lines_field:
            raise ImproperlyConfigured(f"{type(self).__name__}: set lines_field (the form field of the picked ids)")
        super().setup(request, *args, **kwargs)
    busy = "exclude"  # or "mark"
    search_fields: tuple[str, ...] = ()  # icontains lookups when search() is not overridden
    candidate_order: tuple[str, ...] = ("pk",)
    candidates_template = "workflow/_line_candidates.html"
    route_business_type = None  # default: the document type's business type

    def object_model(self):
        return self.get_document_type().object_model_class()

    def get_objects_permission(self) -> str:
        return self.objects_permission or f"{self.model._meta.app_label}.add_{self.model._meta.model_name}"

    def objects_queryset(self):
        """The objects the user may put on the document (preselected ones are read from these)."""
        return self.object_model().objects.in_scope(self.request.user.get_scope(self.get_objects_permission()))

    def candidate_queryset(self):
        """The objects the search offers (before the unit, busy and search filters)."""
        return self.objects_queryset()

    def search(self, queryset, query: str):
        from django.db.models import Q

        condition = Q()
        for name in self.search_fields:
            condition |= Q(**{f"{name}__icontains": query})
        return queryset.filter(condition) if self.search_fields else queryset.none()

    def decorate(self, objects: list) -> list:
        """Hook: add what the templates show to each object (e.g. a formatted value)."""
        return objects

    def selected_ids(self, values_) -> list[int]:
        return parse_ids(values_, limit=1000)

    def get(self, request, *args, **kwargs):
        if is_htmx(request) and "candidates" in request.GET:
            return render(request, self.candidates_template,
                          {"candidates": self.candidates(request.GET), "query": request.GET.get("q", ""),
                           "lines_field": self.lines_field})
        return super().get(request, *args, **kwargs)

    def get_initial(self):
        initial = super().get_initial()
        data = self.request.GET
        # The objects named by the field's own parameter or, from a list's row checkboxes, by ``ids``.
        ids = self.selected_ids(data.getlist(self.lines_field) or data.getlist("ids"))
        if ids:
            initial[self.lines_field] = ids
            first = self.objects_queryset().filter(pk__in=ids).order_by("pk").first()
            if first is not None:
                initial[self.unit_field] = getattr(first, f"{self.object_unit_field}_id")
        for name in self.form_class.base_fields:
            if name != self.lines_field and data.get(name):
                initial[name] = data[name]
        return initial

    def with_busy(self, queryset):
        """Mark each object held by an open document: ``busy`` and ``busy_with`` (its number)."""
        from django.contrib.contenttypes.models import ContentType

        from jiguan.core.models import ObjectLock

        content_type = ContentType.objects.get_for_model(queryset.model, for_concrete_model=True)
        holder = ObjectLock.objects.filter(content_type=content_type, object_id=OuterRef("pk"))
        return queryset.annotate(busy=locks.held(queryset.model),
                                 busy_with=Subquery(holder.values("holder_number")[:1]))

    def candidates(self, data) -> list:
        unit_id, query = parse_id(data.get(self.unit_field)), data.get("q", "").strip()
        if unit_id is None or not query:
            return []
        model = self.object_model()
        queryset = (self.candidate_queryset().filter(**{f"{self.object_unit_field}_id": unit_id})
                    .exclude(pk__in=self.selected_ids(data.getlist(self.lines_field))))
        if self.busy == "mark":
            queryset = self.with_busy(queryset)
        else:
            # An object any open document holds (a transfer, a disposal, a value change …) is not offered.
            queryset = queryset.exclude(locks.held(model))
        queryset = self.search(queryset, query)
        return self.decorate(list(queryset.order_by(*self.candidate_order)[:self.candidate_limit]))

    def selected_objects(self, ids) -> list:
        return self.decorate(list(self.objects_queryset().filter(pk__in=ids).order_by(*self.candidate_order)))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        name = self.lines_field
        ids = (self.selected_ids(form.data.getlist(name)) if form.is_bound
               else self.selected_ids(form.initial.get(name, [])))
        selected = self.selected_objects(ids) if ids else []
        if not form.is_bound and ids and len(selected) < len(ids):
            context["unavailable"] = len(ids) - len(selected)
        context.update({
            "selected_objects": selected,
            "lines_field": name,
            "candidates_template": self.candidates_template,
            "query": self.request.GET.get("q", ""),
            "candidates": self.candidates(self.request.GET) if not form.is_bound else [],
            "unit_field": form[self.unit_field],
            # The approval route before 提交审批 (workflow/_route_panel.html).
            "route_business_type": (self.route_business_type if self.route_business_type is not None
                                    else self.get_document_type().business_type),
        })
        return context


__all__ = ["DocumentCreateView", "DocumentDetailView", "DocumentListView", "DocumentMixin", "DocumentPdfView",
           "LinePickerMixin", "approval_context", "pdf_url"]
