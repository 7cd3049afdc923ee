"""Pages of the standards app. Thin: scoping comes from the core base views, writes from ``services``."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from jiguan.core.views import ObjectDetailView, ObjectFormView, ObjectListView, ScopedViewMixin
from jiguan.workflow import services as workflow_services
from jiguan.workflow.selectors import latest_request

from . import filters, forms, services, tables
from .models import StandardChangeItem, StandardChangeRequest, StandardEntry, StandardTable
from .selectors import key_history
from .services import REQUEST_PERMISSION

STANDARDS = gettext_lazy("数据标准")


def chosen_date(request) -> date:
    """The ``on`` date of the query string, today when absent or invalid."""
    return parse_date(request.GET.get("on") or "") or timezone.localdate()


# Tables ----------------------------------------------------------------------------------------


class TableListView(ObjectListView):
    model = StandardTable
    table = tables.StandardTableTable()
    filterset_class = filters.StandardTableFilter
    create_url_name = "standards:table_create"
    export_name = gettext_lazy("标准目录")
    breadcrumbs = [(STANDARDS, None)]

    def optimize(self, queryset):
        today = timezone.localdate()
        in_force = Q(entries__effective_from__lte=today) & (
            Q(entries__effective_to__isnull=True) | Q(entries__effective_to__gt=today))
        return queryset.annotate(entries_in_force=Count("entries", filter=in_force)).order_by("sort_order", "code")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("标准目录")
        return context


class TableObjectMixin:
    """Finds the StandardTable named by ``code`` in the URL, within the user's reach."""

    def get_standard_table(self) -> StandardTable:
        if not hasattr(self, "_standard_table"):
            table = StandardTable.objects.restrict(self.request.user).filter(code=self.kwargs["code"]).first()
            if table is None:
                raise Http404(_("记录不存在，或不在您的数据范围内。"))
            self._standard_table = table
        return self._standard_table


class TableCreateView(ObjectFormView):
    model = StandardTable
    action = "add"
    form_class = forms.StandardTableForm
    success_message = gettext_lazy("标准表已创建。")
    breadcrumbs = [(STANDARDS, "standards:table_list")]

    def perform(self, form):
        return services.table_create(**form.cleaned_data)


class TableUpdateView(TableObjectMixin, ObjectFormView):
    model = StandardTable
    action = "change"
    form_class = forms.StandardTableForm
    success_message = gettext_lazy("标准表信息已保存。")

    def get_object(self):
        table = self.get_standard_table()
        return StandardTable.objects.get(pk=table.pk)  # a fresh copy: the form must not mutate it

    def perform(self, form):
        return services.table_update(table=self.get_standard_table(), **form.cleaned_data)

    def get_breadcrumbs(self):
        table = self.get_standard_table()
        return [(STANDARDS, "standards:table_list"), (table.name, table.get_absolute_url()), (_("编辑"), None)]


# Entries of a table, version history of a key ----------------------------------------------------


class EntryListView(TableObjectMixin, ObjectListView):
    """The entries of one table in force on a date (default today), with search and Excel export."""

    model = StandardEntry
    filterset_class = filters.EntryFilter
    template_name = "standards/entry_list.html"
    extra_actions_template = "standards/_table_actions.html"

    def get(self, request, *args, **kwargs):
        table = self.get_standard_table()
        with_attrs = StandardEntry.objects.filter(table=table).exclude(attrs={}).exists()
        self.table = tables.entry_table(table, with_attrs=with_attrs)
        self.export_name = table.name
        return super().get(request, *args, **kwargs)

    def get_filterset(self):
        if not hasattr(self, "_filterset"):
            data = self.request.GET.copy()
            if not data.get("on"):
                data["on"] = timezone.localdate().isoformat()
            self._filterset = self.filterset_class(data, queryset=ScopedViewMixin.get_queryset(self),
                                                   request=self.request)
            from jiguan.core.forms import bootstrapify

            bootstrapify(self._filterset.form, small=True)
        return self._filterset

    def optimize(self, queryset):
        return (queryset.filter(table=self.get_standard_table()).select_related("table", "approved_by")
                .order_by("sort_order", "key", "effective_from"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        table = self.get_standard_table()
        form = context["filterset"].form
        context["title"] = table.name
        context["standard_table"] = table
        context["on_date"] = form.cleaned_data.get("on") if form.is_valid() else None
        context["can_request"] = self.request.user.has_perm(REQUEST_PERMISSION)
        context["can_edit_table"] = self.request.user.has_perm("standards.change_standardtable")
        return context

    def get_breadcrumbs(self):
        return [(STANDARDS, "standards:table_list"), (self.get_standard_table().name, None)]


COMPARED_FIELDS = [
    ("name", gettext_lazy("名称")), ("parent_key", gettext_lazy("上级")), ("plain_value", None),
    ("unit", gettext_lazy("单位")), ("plain_value2", None), ("unit2", gettext_lazy("第二数值单位")),
    ("attrs", gettext_lazy("其他属性")), ("source", gettext_lazy("依据文件")),
    ("confidence", gettext_lazy("可信度")), ("effective_from", gettext_lazy("生效日期")),
    ("effective_to", gettext_lazy("失效日期")), ("note", gettext_lazy("备注")),
]


def comparison(table: StandardTable, left, right, *, skip=()) -> list[dict]:
    """Rows of a side-by-side comparison of two versions (or a version and a proposal)."""
    labels = {"plain_value": table.value_label or _("数值"), "plain_value2": table.value2_label or _("第二数值")}
    if table.value2_label:
        labels["unit2"] = _("%(label)s单位") % {"label": table.value2_label}
    skip = set(skip)
    for values, units in ((("plain_value", "value"), "unit"), (("plain_value2", "value2"), "unit2")):
        if not any(getattr(side, values[1], None) is not None or getattr(side, units, "")
                   for side in (left, right) if side is not None):
            skip |= {values[0], units}  # e.g. a code table: no values to compare
    rows = []
    for name, label in COMPARED_FIELDS:
        if name in skip:
            continue
        label = labels.get(name, label)
        a = getattr(left, name, None) if left is not None else None
        b = getattr(right, name, None) if right is not None else None
        if name == "attrs":
            a, b = tables.attrs_text(a), tables.attrs_text(b)
        rows.append({"name": name, "label": label, "left": a, "right": b,
                     "changed": left is not None and (a or None) != (b or None)})
    return rows


class KeyHistoryView(TableObjectMixin, ScopedViewMixin, View):
    """Every version of one key, and a side-by-side comparison of two of them (?a=1&b=2)."""

    model = StandardEntry

    def get(self, request, code, key):
        table = self.get_standard_table()
        versions = list(key_history(table, key))
        if not versions:
            raise Http404(_("记录不存在，或不在您的数据范围内。"))
        by_number = {v.version: v for v in versions}

        def pick(param, default):
            try:
                return by_number.get(int(request.GET.get(param, "")), default)
            except ValueError:
                return default

        right = pick("b", versions[-1])
        left = pick("a", versions[-2] if len(versions) > 1 else None)
        today = timezone.localdate()
        requests = []
        if request.user.has_perm("standards.view_standardchangerequest"):
            # Single requests for the key, and imported batches with a row for it.
            with_key = StandardChangeItem.objects.filter(change_request__table=table, key=key).values("change_request")
            requests = list(StandardChangeRequest.objects.restrict(request.user).filter(table=table)
                            .filter(Q(key=key) | Q(pk__in=with_key))
                            .select_related("requested_by", "decided_by").order_by("-created_at")[:20])
        return render(request, "standards/key_history.html", {
            "standard_table": table, "key": key, "versions": versions, "left": left, "right": right,
            "rows": comparison(table, left, right), "in_force": next((v for v in versions if v.in_force_on(today)),
                                                                   None),
            "change_requests": requests, "can_request": request.user.has_perm(REQUEST_PERMISSION),
            "title": f"{table.name} · {key}",
            "breadcrumbs": [(STANDARDS, "standards:table_list"), (table.name, table.get_absolute_url()),
                            (key, None)],
        })


# Change requests -------------------------------------------------------------------------------


class ChangeRequestListView(ObjectListView):
    model = StandardChangeRequest
    table = tables.ChangeRequestTable()
    filterset_class = filters.ChangeRequestFilter
    create_url_name = "standards:request_create"
    export_name = gettext_lazy("标准变更申请")
    breadcrumbs = [(STANDARDS, "standards:table_list"), (gettext_lazy("变更申请"), None)]

    def get_filterset(self):
        if not hasattr(self, "_filterset"):
            data = self.request.GET.copy()
            if not data.get("box"):
                # Requesters land on their own requests, approvers on what waits for them.
                data["box"] = "mine" if self.request.user.has_perm(REQUEST_PERMISSION) else "pending"
            self._filterset = self.filterset_class(data, queryset=ScopedViewMixin.get_queryset(self),
                                                   request=self.request)
            from jiguan.core.forms import bootstrapify

            bootstrapify(self._filterset.form, small=True)
        return self._filterset

    def optimize(self, queryset):
        return queryset.select_related("table", "requested_by", "decided_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("标准变更申请")
        return context


class ChangeRequestCreateView(ObjectFormView):
    model = StandardChangeRequest
    action = "add"
    form_class = forms.ChangeRequestForm
    success_message = gettext_lazy("变更申请已保存。")
    breadcrumbs = [(STANDARDS, "standards:table_list"), (gettext_lazy("变更申请"), "standards:request_list")]

    def get_initial(self):
        code = self.request.GET.get("table", "")
        table = StandardTable.objects.restrict(self.request.user).filter(code=code).first() if code else None
        return forms.initial_for(table, self.request.GET.get("key", "").strip())

    def perform(self, form):
        data = dict(form.cleaned_data)
        submit = data.pop("submit_now")
        data["attrs"] = data.get("attrs") or {}
        return services.change_request_create(requested_by=self.request.user, submit=submit, **data)

    def get_title(self):
        return _("申请变更数据标准")


class ChangeRequestDetailView(ObjectDetailView):
    model = StandardChangeRequest
    template_name = "standards/request_detail.html"
    ITEMS_PER_PAGE = 100  # rows of an imported batch per page

    def optimize(self, queryset):
        return queryset.select_related("table", "requested_by", "requester_unit", "decided_by", "base_entry",
                                       "resulting_entry")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cr = self.object
        table = cr.table
        base = cr.base_entry
        context["actions"] = services.allowed_actions(cr, self.request.user)
        approval = latest_request(cr)
        context["approval"] = approval
        if approval is not None:
            context["approval_timeline"] = list(approval.actions.select_related("actor", "delegate_to")
                                                .order_by("id"))
            context["approval_can_act"] = workflow_services.can_act(self.request.user, approval)
        context["standard_table"] = table
        if cr.is_import:
            context.update(self.item_context(cr))
        else:
            context["rows"] = comparison(table, base, cr, skip=("effective_to",))
            current = StandardEntry.objects.filter(table=table, key=cr.key).order_by("-effective_from").first()
            context["base_outdated"] = cr.is_open and current is not None and (base is None or current.pk != base.pk)
        context["title"] = str(cr)
        context["breadcrumbs"] = [(STANDARDS, reverse("standards:table_list")),
                                  (_("变更申请"), reverse("standards:request_list")), (f"#{cr.pk}", None)]
        return context

    def item_context(self, cr) -> dict:
        """The proposed rows of an imported batch, a page at a time, each field with the value of
        the version it changes (before → after); ``?change=new|changed`` narrows the list."""
        items = cr.items.select_related("base_entry", "resulting_entry").order_by("row_number")
        change = self.request.GET.get("change", "")
        if change == "new":
            items = items.filter(base_entry__isnull=True)
        elif change == "changed":
            items = items.filter(base_entry__isnull=False)
        page = Paginator(items, self.ITEMS_PER_PAGE).get_page(self.request.GET.get("page"))
        table = cr.table
        columns = item_columns(table, page.object_list)
        return {
            "item_page": page, "item_change": change, "item_columns": columns,
            "item_rows": [{"item": item, "cells": item_cells(item, columns)} for item in page.object_list],
            "stale_count": services.stale_items(cr).count() if cr.is_open else 0,
        }


ITEM_FIELDS = [("name", gettext_lazy("名称")), ("parent_key", gettext_lazy("上级键")), ("value", None),
               ("value2", None), ("source", gettext_lazy("依据文件")), ("confidence", gettext_lazy("可信度")),
               ("note", gettext_lazy("备注"))]


def item_columns(table: StandardTable, items) -> list[tuple[str, str]]:
    """The fields shown for a batch's rows: the table's (a value column when the table names a
    value, or when a row of the page has one)."""
    labels = {"value": table.value_label or _("数值"), "value2": table.value2_label or _("第二数值")}
    shown = []
    for name, label in ITEM_FIELDS:
        if name == "parent_key" and not table.hierarchical:
            continue
        if name in ("value", "value2") and not (
                getattr(table, f"{name}_label") or any(getattr(i, name) is not None for i in items)):
            continue
        shown.append((name, labels.get(name, label)))
    return shown


def _item_value(obj, name):
    if name == "value":
        return tables.with_unit(obj.value, obj.unit)
    if name == "value2":
        return tables.with_unit(obj.value2, obj.unit2)
    return getattr(obj, name) or None


def item_cells(item: StandardChangeItem, columns) -> list[dict]:
    """Per shown field: the proposed value, the current version's and whether they differ."""
    base = item.base_entry
    cells = []
    for name, _label in columns:
        after = _item_value(item, name)
        before = _item_value(base, name) if base is not None else None
        cells.append({"name": name, "after": after, "before": before,
                      "changed": base is not None and (before or None) != (after or None)})
    return cells


class ChangeRequestActionView(ScopedViewMixin, View):
    """POST-only actions of the requester (submit, withdraw). ``action`` is the permission verb the
    page requires; the service checks the rest (requester only, still in the right state). Approval
    and rejection happen on the approval request's page (/workflow/requests/<id>/)."""

    model = StandardChangeRequest
    done_message = ""

    def run(self, change_request):
        raise NotImplementedError

    def post(self, request, pk):
        change_request = self.get_queryset().filter(pk=pk).first()
        if change_request is None:
            raise Http404(_("记录不存在，或不在您的数据范围内。"))
        try:
            self.run(change_request)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("您没有执行此操作的权限。"))
        else:
            messages.success(request, self.done_message)
        return redirect(reverse("standards:request_detail", args=[pk]))


class ChangeRequestSubmitView(ChangeRequestActionView):
    action = "add"
    done_message = gettext_lazy("已提交审批。")

    def run(self, change_request):
        services.change_request_submit(change_request=change_request, user=self.request.user)


class ChangeRequestWithdrawView(ChangeRequestActionView):
    action = "add"
    done_message = gettext_lazy("申请已撤回。")

    def run(self, change_request):
        services.change_request_withdraw(change_request=change_request, user=self.request.user)
