"""Generic views. Every data view derives from ``ScopedViewMixin``: the queryset is restricted to the
user's data scope for the view's action before anything else sees it, and an object outside the
scope is a 404, never a leak. A meta-test checks every URL's view uses these bases.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views import generic

from jiguan.audit import services as audit
from jiguan.audit.models import Action

from . import exports
from .filters import filter_querystring
from .forms import bootstrapify
from .pagination import BoundedPaginator
from .scoping import permission_name
from .tables import Table
from .validators import parse_ids


def focus_path(request) -> str:
    """The path of the unit chosen in the unit switcher (lists narrow to its subtree), or ""."""
    if not hasattr(request, "_jiguan_focus_path"):
        unit_id = request.session.get("focus_unit") if hasattr(request, "session") else None
        path = ""
        if unit_id:
            from django.apps import apps

            unit = apps.get_model("org", "OrgUnit").objects.filter(pk=unit_id).only("path").first()
            path = unit.path if unit else ""
        request._jiguan_focus_path = path
    return request._jiguan_focus_path


class ScopedViewMixin(LoginRequiredMixin):
    """Restricts the queryset to the user's scope for ``action`` and requires that permission."""

    model = None
    action = "view"
    breadcrumbs: list[tuple[str, str | None]] = []

    # False for pages whose rows the queryset's restrict() already limits to what the user may see
    # without a model permission (personal rows; approval requests routed to the user).
    require_model_permission = True

    def required_permission(self) -> str | None:
        if not self.require_model_permission or getattr(self.model, "scope_owner", None):
            return None
        return permission_name(self.model, self.action)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        permission = self.required_permission()
        if permission and not request.user.has_perm(permission):
            raise PermissionDenied(_("您没有执行此操作的权限。"))
        return super().dispatch(request, *args, **kwargs)

    def base_queryset(self):
        queryset = self.model.objects.restrict(self.request.user, self.action)
        focus = focus_path(self.request)
        if focus and getattr(self.model, "scope_path", None):
            queryset = queryset.filter(**{f"{self.model.scope_path}__startswith": focus})
        return queryset

    def get_queryset(self):
        return self.optimize(self.base_queryset())

    def optimize(self, queryset):
        """Hook for select_related/prefetch_related, so list pages stay free of N+1."""
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["breadcrumbs"] = self.get_breadcrumbs()
        context["opts"] = self.model._meta
        return context

    def get_breadcrumbs(self):
        return list(self.breadcrumbs)


class ObjectListView(ScopedViewMixin, generic.ListView):
    """A filtered, paginated list with Excel export of exactly what the filters select. Pages count at
    most 10,000 rows and read their rows by primary key (``core.pagination.BoundedPaginator``)."""

    template_name = "core/object_list.html"
    title = ""  # defaults to the model's verbose_name_plural
    table: Table = None
    filterset_class = None
    paginate_by = 50
    paginator_class = BoundedPaginator
    export_name = ""
    create_url_name = ""
    extra_actions_template = ""
    # 保存筛选 / 我的筛选 (jiguan.org.models.SavedFilter): offered on lists with a filterset whose URL
    # takes no arguments, so the URL name and the saved query string reproduce the same rows.
    saved_filters = True

    def saved_filter_view(self) -> str:
        """The URL name under which this page's filters are saved, or "" when it offers none."""
        match = self.request.resolver_match
        if not (self.saved_filters and self.filterset_class and match and match.url_name
                and not match.args and not match.kwargs):
            return ""
        return match.view_name

    def get_filterset(self):
        if not self.filterset_class:
            return None
        if not hasattr(self, "_filterset"):
            self._filterset = self.filterset_class(self.request.GET or None, queryset=super().get_queryset(),
                                                   request=self.request)
            bootstrapify(self._filterset.form, small=True)
        return self._filterset

    def get_queryset(self):
        return self.sorted(self.chosen_rows(self.filtered_queryset()))

    def filtered_queryset(self):
        filterset = self.get_filterset()
        if filterset is None:
            return super().get_queryset()
        if not filterset.is_bound:
            return filterset.queryset
        # Invalid filters (e.g. a unit outside the scope) select nothing; the form shows why.
        return filterset.qs if filterset.is_valid() else filterset.queryset.none()

    def chosen_rows(self, queryset):
        """``?ids=1,2,3``: the rows ticked on the page (导出所选), within the filters and the scope."""
        values = self.request.GET.getlist("ids")
        return queryset.filter(pk__in=parse_ids(values, limit=exports.EXPORT_LIMIT)) if values else queryset

    def sort_param(self) -> str:
        value = self.request.GET.get("sort", "")
        return value if self.table is not None and self.table.sort_field(value) else ""

    def sorted(self, queryset):
        """``?sort=<column>`` or ``?sort=-<column>`` on a column that declares an indexed ``sort``
        field, the primary key after it so pages are stable; otherwise the view's own order."""
        value = self.sort_param()
        if not value:
            return queryset
        field = self.table.sort_field(value)
        return queryset.order_by(field, "-pk" if field.startswith("-") else "pk")

    def chosen_columns(self) -> list[str] | None:
        """The user's 列设置 for this page (one query), or None for the defaults."""
        view_name = self.saved_filter_view() or (self.request.resolver_match.view_name
                                                 if self.request.resolver_match else "")
        self._columns_view = view_name
        if not view_name:
            return None
        from django.apps import apps

        row = (apps.get_model("org", "ListColumns").objects.restrict(self.request.user).filter(view=view_name)
               .values_list("columns", flat=True).first())
        return row or None

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            return self.export()
        return super().get(request, *args, **kwargs)

    def export(self):
        name = self.export_name or str(self.model._meta.verbose_name_plural)
        queryset = self.get_queryset()
        # Row 2 of the sheet: the unit switched to (当前范围) or the user's data scope, the filters,
        # the time. A view selecting rows its own way (我的待办) is described as the user's own.
        own = type(self).base_queryset is not ScopedViewMixin.base_queryset
        subtitle = exports.export_subtitle(
            scope=exports.scope_label(self.request.user, self.model, self.action, own=own,
                                      focus=focus_path(self.request)),
            conditions=exports.filter_summary(self.get_filterset()))
        content = exports.workbook_bytes(queryset, self.table, name, subtitle=subtitle)
        audit.record(Action.EXPORT, object_type_label=self.model._meta.label_lower,
                     object_repr=name, message=_("导出 %(name)s，条件：%(query)s") % {
                         "name": name, "query": self.request.GET.urlencode()[:300]})
        return exports.xlsx_response(content, name)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page_objects = context["object_list"]
        context["table"] = self.table
        chosen = self.chosen_columns()
        columns = self.table.html_columns(chosen)
        context["columns"] = columns
        context["rows"] = self.table.html_rows(page_objects, columns)
        context["filterset"] = self.get_filterset()
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        context["headers"] = self.headers(columns, query)
        shown = {c.key for c in columns}
        context["column_choices"] = [(c, c.key in shown) for c in self.table.choosable_columns()]
        context["columns_view"] = self._columns_view if len(context["column_choices"]) > 1 else ""
        context["create_url_name"] = self.create_url_name if self.request.user.has_perm(
            permission_name(self.model, "add")) else ""
        context["title"] = self.title or self.model._meta.verbose_name_plural
        context["extra_actions_template"] = self.extra_actions_template
        view_name = self.saved_filter_view()
        if view_name:  # one query: the user's saved filters of this page
            from django.apps import apps

            context["saved_filter_view"] = view_name
            context["saved_filter_query"] = filter_querystring(self.request.GET)
            context["saved_filters"] = list(apps.get_model("org", "SavedFilter").objects.restrict(
                self.request.user).filter(view=view_name).only("id", "view", "name", "query"))
        return context


    def headers(self, columns, query) -> list[dict]:
        """Each column's header: its label and, for a sortable column, the link that sorts by it
        (ascending first, then descending) and the current direction ("asc", "desc" or "")."""
        current = self.sort_param()
        headers = []
        for column in columns:
            header = {"column": column, "label": column.label, "url": "", "direction": ""}
            if column.sort:
                if current == column.key:
                    header["direction"], target = "asc", f"-{column.key}"
                elif current == f"-{column.key}":
                    header["direction"], target = "desc", column.key
                else:
                    target = column.key
                link = query.copy()
                link["sort"] = target
                header["url"] = f"?{link.urlencode()}"
            headers.append(header)
        return headers


class ObjectDetailView(ScopedViewMixin, generic.DetailView):
    template_name = "core/object_detail.html"

    def get_object(self, queryset=None):
        try:
            return super().get_object(queryset)
        except Http404:
            raise Http404(_("记录不存在，或不在您的数据范围内。")) from None


class ObjectFormView(ScopedViewMixin, generic.FormView):
    """Create (``action='add'``) or edit (``action='change'``) through a service.

    Subclasses implement ``perform(form)`` by calling their app's service and returning the object.
    A ``ValidationError`` from the service is shown on the form, field by field; nothing is saved.
    """

    template_name = "core/object_form.html"
    action = "change"
    success_message = ""

    def get_object(self):
        if self.action == "add":
            return None
        if not hasattr(self, "_object"):
            try:
                self._object = self.get_queryset().get(pk=self.kwargs["pk"])
            except self.model.DoesNotExist:
                raise Http404(_("记录不存在，或不在您的数据范围内。")) from None
        return self._object

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        instance = self.get_object()
        if instance is not None:
            kwargs["instance"] = instance
        return kwargs

    def perform(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.object = self.perform(form)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("您没有执行此操作的权限。"))
            return self.form_invalid(form)
        messages.success(self.request, self.success_message or _("已保存。"))
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self):
        return self.object.get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = self.get_object()
        context["title"] = self.get_title()
        return context

    def get_title(self):
        name = self.model._meta.verbose_name
        return _("新建%(name)s") % {"name": name} if self.action == "add" else _("编辑%(name)s") % {"name": name}

