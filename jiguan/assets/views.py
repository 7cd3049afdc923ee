"""Pages of the assets app (资产管理): cards, their lifecycle operations, documents (transfer,
disposal, configuration request) and depreciation. Thin: scoping comes from the core base views,
writes from ``services`` and ``depreciation``."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import DecimalField, ExpressionWrapper, F
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from jiguan.core import locks
from jiguan.core.validators import parse_id, parse_ids
from jiguan.core.views import ObjectDetailView, ObjectFormView, ObjectListView, ScopedViewMixin, focus_path
from jiguan.standards.selectors import StandardNotFound, standard_value
from jiguan.workflow import services as workflow_services
from jiguan.workflow.selectors import latest_request

from . import depreciation, filters, forms, services, tables
from .models import (
    MONEY,
    MOVABLE_STATUSES,
    Asset,
    AssetAttachment,
    AssetSettings,
    AssetStatus,
    ConfigurationRequest,
    DepreciationEntry,
    DepreciationMethod,
    DepreciationRun,
    Disposal,
    DisposalItem,
    DocStatus,
    RunStatus,
    Transfer,
    TransferItem,
    ValueChange,
    period_label,
    period_of,
)
from .tables import yuan

ASSETS = gettext_lazy("资产卡片")
TRANSFERS = gettext_lazy("资产调拨")
DISPOSALS = gettext_lazy("资产处置")
VALUE_CHANGES = gettext_lazy("价值调整")
CONFIGURATIONS = gettext_lazy("配置申请")
RUNS = gettext_lazy("折旧计提")


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def with_net_value(queryset, period: int):
    """Annotate ``accumulated`` and ``net_value`` at the end of ``period``: one SQL expression over
    the rows fetched (a page, or an export), never a Python loop."""
    money_field = DecimalField(**MONEY)
    return queryset.annotate(accumulated=depreciation.accumulated_column(period)).annotate(
        net_value=ExpressionWrapper(F("original_value") - F("accumulated"), output_field=money_field))


def approval_context(obj, user) -> dict:
    """The object's latest approval request, its timeline and whether the user may decide it."""
    request = latest_request(obj)
    if request is None:
        return {"approval": None}
    return {"approval": request,
            "approval_actions": list(request.actions.select_related("actor").order_by("id")),
            "can_decide": workflow_services.can_act(user, request)}


def month_of(request) -> int:
    """The month a page is about: ``?month=YYYY-MM``, default this month."""
    return forms.parse_month(request.GET.get("month", "")) or period_of(timezone.localdate())


def with_value_text(objects, field: str = "original_value"):
    """Give each object ``value_text``: its money field grouped for the page (6,000.00)."""
    for obj in objects:
        obj.value_text = yuan(getattr(obj, field))
    return objects


def ids_from(values) -> list[int]:
    """Card ids from ``?assets=1,2,3`` and/or repeated ``assets`` parameters."""
    return parse_ids(values, limit=1000)


# ---------------------------------------------------------------------------------------------
# Cards
# ---------------------------------------------------------------------------------------------


class AssetListView(ObjectListView):
    """资产卡片. Newest first (``-id``: the composite owner index ends with id), related rows joined and
    the net value computed in SQL for this month, for the page's 50 rows only; the core paginator
    (core.pagination.BoundedPaginator) counts at most 10,000 matches."""

    model = Asset
    title = ASSETS
    table = tables.AssetTable()
    filterset_class = filters.AssetFilter
    export_name = ASSETS
    template_name = "assets/asset_list.html"
    extra_actions_template = "assets/_asset_list_actions.html"
    breadcrumbs = [(ASSETS, None)]
    main_filters = ["q", "class_code", "owner"]  # the others fold under 更多条件

    def optimize(self, queryset):
        queryset = queryset.select_related("owner_unit", "using_unit", "department", "user").order_by("-id")
        return with_net_value(queryset, period_of(timezone.localdate()))

    def code_range(self) -> tuple[str, str] | None:
        low, high = self.request.GET.get("code_from", "").strip(), self.request.GET.get("code_to", "").strip()
        return (low, high) if low and high else None

    def get_queryset(self):
        queryset = super().get_queryset()
        batch = self.code_range()
        if batch:  # the cards of one batch registration
            queryset = queryset.filter(code__gte=batch[0], code__lte=batch[1])
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["batch"] = self.code_range()
        context["create_url_name"] = ""  # 资产登记 is among the page's own buttons
        form = context["filterset"].form
        context["main_filters"] = [form[name] for name in self.main_filters if name in form.fields]
        context["more_filters"] = [form[name] for name in form.fields if name not in self.main_filters]
        context["more_open"] = any(self.request.GET.get(f.name) for f in context["more_filters"])
        return context


class AssetDetailView(ObjectDetailView):
    model = Asset
    template_name = "assets/asset_detail.html"

    def optimize(self, queryset):
        return queryset.select_related("owner_unit", "using_unit", "department", "user", "keeper")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        asset, user = self.object, self.request.user
        period = month_of(self.request)
        open_transfer = (TransferItem.objects.filter(asset=asset, open=True)
                         .select_related("transfer__from_unit", "transfer__to_unit").first())
        open_disposal = DisposalItem.objects.filter(asset=asset, open=True).select_related("disposal").first()
        documents = []
        for item, kind, label in ((open_transfer, "transfer", _("调拨")), (open_disposal, "disposal", _("处置"))):
            if item is not None:
                document = getattr(item, kind)
                documents.append({"kind": kind, "label": label, "document": document,
                                  **approval_context(document, user)})
        open_value_change = ValueChange.objects.filter(asset=asset, status=DocStatus.PENDING).first()
        if open_value_change is not None:
            documents.append({"kind": "value_change", "label": _("价值调整"), "document": open_value_change,
                              **approval_context(open_value_change, user)})
        busy = bool(documents)  # one open document per card (core.locks): no second one is offered
        events = list(asset.events.select_related("actor").order_by("-id")[:300])
        attachments = list(asset.attachments.select_related("uploaded_by").order_by("id"))
        present = {a.pk for a in attachments}
        for event in events:
            event.url = event_url(event)
            attachment_id = (event.data or {}).get("attachment")
            if event.url is None and attachment_id in present:
                event.url = reverse("assets:attachment_download", args=[asset.pk, attachment_id])
        context.update({
            "attachment_photos": [a for a in attachments if a.is_photo],
            "attachment_files": [a for a in attachments if not a.is_photo],
            "can_attach": user.has_perm("assets.change_asset", asset),
            "can_delete_attachments": user.has_perm("assets.change_asset", asset)
            and services.attachment_deletable(asset),
            "attachment_accept": ",".join(services.ATTACHMENT_TYPES),
            "attachment_max_mb": services.attachment_max_bytes() // 1024 // 1024,
        })
        context.update({
            "period": period,
            "period_label": period_label(period),
            "groups": self.field_groups(asset, period),
            "events": events,
            "repairs": with_value_text(list(asset.repairs.order_by("-repaired_on", "-id")[:100]), "cost"),
            "workload": workload_table(asset),
            "documents": documents,
            "actions": self.actions(asset, busy=busy),
            "status_badge": tables.status_badge(asset),
            "title": f"{asset.code} {asset.name}",
            "breadcrumbs": [(ASSETS, reverse("assets:asset_list")), (asset.code, None)],
        })
        return context

    def actions(self, asset: Asset, busy: bool) -> list[dict]:
        user = self.request.user

        def can(perm):
            return user.has_perm(perm, asset)

        def url(name):
            return reverse(f"assets:{name}", args=[asset.pk])

        status, is_open = asset.status, asset.status != AssetStatus.DISPOSED
        actions = []
        if is_open and can("assets.change_asset"):
            actions.append({"id": "action-change", "label": _("变更"), "icon": "pencil", "url": url("asset_change")})
        if can("assets.issue_asset"):
            if status in (AssetStatus.IDLE, AssetStatus.WAREHOUSE, AssetStatus.IN_USE):
                actions.append({"id": "action-issue", "label": _("领用"), "icon": "person-check",
                                "url": url("asset_issue")})
            if status == AssetStatus.IN_USE:
                actions.append({"id": "action-return", "label": _("交回"), "icon": "box-arrow-in-down",
                                "url": url("asset_return")})
        if is_open and not busy and can("assets.change_asset"):
            actions.append({"id": "action-value", "label": _("价值调整"), "icon": "currency-yen",
                            "url": url("asset_value")})
        if is_open and can("assets.add_repairrecord"):
            actions.append({"id": "action-repair", "label": _("维修登记"), "icon": "tools", "url": url("asset_repair")})
        if is_open and asset.dep_method == DepreciationMethod.UNITS and can("assets.add_workloadreading"):
            actions.append({"id": "action-workload", "label": _("录入工作量"), "icon": "speedometer2",
                            "url": url("asset_workload")})
        movable = status in MOVABLE_STATUSES and not busy
        if movable and can("assets.add_transfer"):
            actions.append({"id": "action-transfer", "label": _("调拨"), "icon": "arrow-left-right",
                            "url": f"{reverse('assets:transfer_create')}?assets={asset.pk}"})
        if movable and can("assets.add_disposal"):
            actions.append({"id": "action-dispose", "label": _("处置"), "icon": "trash",
                            "url": f"{reverse('assets:disposal_create')}?assets={asset.pk}"})
        actions.append({"id": "action-label", "label": _("打印标签"), "icon": "qr-code", "url": url("asset_label"),
                        "target": "_blank"})
        return actions

    def field_groups(self, asset: Asset, period: int) -> list[dict]:
        on = timezone.localdate()
        accumulated = depreciation.accumulated_at(asset, period)
        previous = depreciation.accumulated_at(asset, period - 1)
        months = depreciation.charged_months(asset, period)
        depreciates = asset.dep_method != DepreciationMethod.NONE and asset.dep_months > 0
        life = ""
        if asset.life_months:
            years = asset.life_months / 12
            life = _("%(years)s 年（%(months)s 个月）") % {
                "years": f"{years:g}" if asset.life_months % 12 == 0 else f"{years:.1f}", "months": asset.life_months}
        category = standard_name(services.LIFE_TABLE, asset.dep_category, asset.acquired_on)
        people = [
            (_("产权单位"), asset.owner_unit.name, "owner-unit"),
            (_("使用单位"), asset.using_unit.name, "using-unit"),
            (_("使用部门"), asset.department.name if asset.department_id else "", "department"),
            (_("使用人"), asset.user.display_name if asset.user_id else "", "user"),
            (_("管理人"), asset.keeper.display_name if asset.keeper_id else "", "keeper"),
            (_("存放地点"), asset.location, "location"),
        ]
        basic = [
            (_("资产编码"), asset.code, "code"),
            (_("资产名称"), asset.name, "name"),
            (_("资产分类"), f"{asset.class_code} {asset.class_name}", "class"),
            (_("规格型号"), asset.spec_model, "spec"),
            (_("品牌"), asset.brand, "brand"),
            (_("数量"), f"{asset.quantity} {asset.measure_unit}", "quantity"),
            (_("使用状态"), asset.get_status_display(), "status"),
            (_("保修截止日期"), asset.warranty_end, "warranty"),
            (_("入账日期"), asset.registered_on, "registered"),
        ]
        if asset.disposed_on:
            basic.append((_("处置日期"), asset.disposed_on, "disposed"))
        tenant = services.settings_for(asset.owner_unit)
        labels = {str(i.get("key")): i.get("label") or i.get("key") for i in tenant.custom_fields}
        for key, value in (asset.custom or {}).items():
            basic.append((labels.get(key, key), value, f"custom-{key}"))
        if asset.note:
            basic.append((_("备注"), asset.note, "note"))
        value = [
            (_("原值（元）"), yuan(asset.original_value), "original-value"),
            (_("折旧方法"), asset.get_dep_method_display(), "dep-method"),
        ]
        if asset.dep_method == DepreciationMethod.UNITS:  # 工作量法: the workload drives the charge
            stop = min(period, asset.dep_stop) if asset.dep_stop is not None else period
            value += [
                (_("折旧类别"), category or asset.dep_category, "dep-category"),
                (_("预计总工作量"), workload_text(asset, asset.total_workload), "total-workload"),
                (_("累计工作量"), workload_text(asset, depreciation.cumulative_at(asset, stop)), "cumulative-workload"),
                (_("本月折旧额（元）"), yuan(accumulated - previous), "this-month"),
            ]
        elif depreciates:
            value += [
                (_("折旧类别"), category or asset.dep_category, "dep-category"),
                (_("折旧年限"), life, "life"),
                (_("月折旧额（元）"), yuan(asset.dep_monthly), "monthly"),
                (_("本月折旧额（元）"), yuan(accumulated - previous), "this-month"),
                (_("已计提月数"), _("%(n)s 个月") % {"n": months}, "months"),
            ]
        value += [
            (_("累计折旧（元）"), yuan(accumulated), "accumulated"),
            (_("净值（元）"), yuan(asset.original_value - accumulated), "net-value"),
        ]
        source = [
            (_("取得方式"), standard_name("acquisition_method", asset.acquisition_method, on)
             or asset.acquisition_method, "acquisition"),
            (_("取得日期"), asset.acquired_on, "acquired"),
            (_("资金来源"), standard_name("funding_source", asset.funding_source, on) or asset.funding_source,
             "funding"),
            (_("供应商"), asset.supplier, "supplier"),
            (_("合同编号"), asset.contract_no, "contract"),
            (_("发票号"), asset.invoice_no, "invoice"),
        ]
        return [
            {"title": _("基本信息"), "id": "group-basic", "rows": basic},
            {"title": _("价值与折旧"), "id": "group-value", "rows": value,
             "note": _("截至 %(month)s 月末") % {"month": period_label(period)}},
            {"title": _("使用信息"), "id": "group-use", "rows": people},
            {"title": _("来源"), "id": "group-source", "rows": source},
        ]


WORKLOAD_ROWS = 120  # ten years of monthly readings on the card page


def workload_text(asset: Asset, value) -> str:
    return f"{value:,} {asset.workload_unit}".strip() if value is not None else ""


def workload_table(asset: Asset) -> dict | None:
    """The readings of a units-of-production card (工作量法), newest first: month, workload,
    cumulative and the month's depreciation, marked 已计提 when a run has charged it. Three queries."""
    if asset.dep_method != DepreciationMethod.UNITS:
        return None
    readings = list(asset.workload_readings.select_related("recorded_by").order_by("-period")[:WORKLOAD_ROWS])
    charged = set(DepreciationEntry.objects.filter(asset=asset, period__in=[r.period for r in readings])
                  .values_list("period", flat=True))
    rows = [{"reading": r, "workload": f"{r.workload:,}", "cumulative": f"{r.cumulative:,}",
             "amount": yuan(amount) if amount is not None else "", "charged": r.period in charged,
             "due": bool(amount) and r.period not in charged}
            for r, amount in depreciation.reading_amounts(asset, readings)]
    return {"rows": rows, "unit": asset.workload_unit, "total": workload_text(asset, asset.total_workload)}


def standard_name(table: str, key: str, on) -> str:
    if not key:
        return ""
    try:
        return standard_value(table, key, on).name
    except StandardNotFound:
        return ""


def event_url(event) -> str | None:
    data = event.data or {}
    if data.get("transfer"):
        return reverse("assets:transfer_detail", args=[data["transfer"]])
    if data.get("disposal"):
        return reverse("assets:disposal_detail", args=[data["disposal"]])
    if data.get("value_change"):
        return reverse("assets:value_change_detail", args=[data["value_change"]])
    return None


class AssetCreateView(ObjectFormView):
    """资产登记（验收入库）: one card, or a batch of identical cards with consecutive codes."""

    model = Asset
    action = "add"
    form_class = forms.AssetRegisterForm
    template_name = "assets/asset_form.html"
    breadcrumbs = [(ASSETS, "assets:asset_list"), (gettext_lazy("资产登记"), None)]

    def get_title(self):
        return _("资产登记")

    def perform(self, form):
        self.cards = services.asset_register(**form.service_kwargs())
        if len(self.cards) == 1:
            self.success_message = _("资产已登记，资产编码 %(code)s。") % {"code": self.cards[0].code}
        else:
            self.success_message = _("已登记 %(n)s 张卡片，资产编码 %(first)s 至 %(last)s。") % {
                "n": len(self.cards), "first": self.cards[0].code, "last": self.cards[-1].code}
        return self.cards[0]

    def get_success_url(self):
        if len(self.cards) == 1:
            return self.cards[0].get_absolute_url()
        return f"{reverse('assets:asset_list')}?code_from={self.cards[0].code}&code_to={self.cards[-1].code}"


class AssetActionView(ObjectFormView):
    """An operation on one card: the form page (phone-sized) and the service call."""

    model = Asset
    template_name = "assets/asset_action.html"
    title = ""
    intro = ""
    permission = ""  # when the permission is not <action>_asset (e.g. assets.add_repairrecord)

    def required_permission(self):
        return self.permission or super().required_permission()

    def base_queryset(self):
        if not self.permission:
            return super().base_queryset()
        queryset = Asset.objects.in_scope(self.request.user.get_scope(self.permission))
        focus = focus_path(self.request)
        return queryset.filter(owner_unit__path__startswith=focus) if focus else queryset

    def optimize(self, queryset):
        return queryset.select_related("owner_unit", "using_unit", "department", "user", "keeper")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("instance", None)
        kwargs["asset"] = self.get_object()
        return kwargs

    def get_title(self):
        return self.title

    def get_success_url(self):
        return self.get_object().get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        asset = self.get_object()
        context.update({"asset": asset, "intro": self.intro, "status_badge": tables.status_badge(asset),
                        "breadcrumbs": [(ASSETS, reverse("assets:asset_list")),
                                        (asset.code, asset.get_absolute_url()), (self.get_title(), None)]})
        return context


class AssetChangeView(AssetActionView):
    action = "change"
    form_class = forms.AssetChangeForm
    title = gettext_lazy("资产变更")
    intro = gettext_lazy("修改存放地点、使用人、管理人等信息；使用人或管理人变化时自动记录交接。原值调整请用“价值调整”。")
    success_message = gettext_lazy("变更已保存。")

    def perform(self, form):
        return services.asset_change(asset=self.get_object(), **form.service_kwargs())


class AssetIssueView(AssetActionView):
    action = "issue"
    form_class = forms.AssetIssueForm
    title = gettext_lazy("资产领用")
    success_message = gettext_lazy("已办理领用。")

    def perform(self, form):
        data = form.cleaned_data
        return services.asset_issue(asset=self.get_object(), user=data.get("user"), department=data.get("department"),
                                    keeper=data.get("keeper"), location=data.get("location") or "", on=data["on"])


class AssetReturnView(AssetActionView):
    action = "issue"
    form_class = forms.AssetReturnForm
    title = gettext_lazy("资产交回")
    intro = gettext_lazy("交回后资产为“闲置”状态，可供调剂使用。")
    success_message = gettext_lazy("已办理交回。")

    def perform(self, form):
        data = form.cleaned_data
        return services.asset_return(asset=self.get_object(), location=data.get("location") or "", on=data["on"])


class AssetValueAdjustView(AssetActionView):
    """Requests a value change (价值调整单); the card changes when the approval flow approves."""

    action = "change"
    form_class = forms.AssetValueForm
    title = gettext_lazy("价值调整")
    intro = gettext_lazy("如升级改造增加原值。提交后按“资产价值调整”审批流程审批，通过后生效，"
                         "调整后的净值按剩余折旧月数重新分摊。")
    success_message = gettext_lazy("价值调整申请已提交。")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(route_business_type=services.VALUE_CHANGE, route_vals=f'{{"asset": {self.get_object().pk}}}')
        return context

    def perform(self, form):
        data = form.cleaned_data
        self.change = services.value_change_create(asset=self.get_object(), delta=data["delta"], on=data["on"],
                                                   reason=data["reason"], actor=self.request.user)
        return self.change

    def get_success_url(self):
        return self.change.get_absolute_url()


class WorkloadRecordView(AssetActionView):
    """录入工作量 of a units-of-production card (工作量法): one month's workload, or a correction of a
    month no run has charged yet."""

    action = "workload"
    permission = "assets.add_workloadreading"
    form_class = forms.WorkloadForm
    title = gettext_lazy("录入工作量")
    success_message = gettext_lazy("工作量已保存。")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        asset = self.get_object()
        stop = period_of(timezone.localdate())
        context["intro"] = _("按月录入实际完成的工作量，折旧按“累计工作量 ÷ 预计总工作量 × 原值”计提，累计达到预计总工作量"
                             "即提足。预计总工作量 %(total)s，截至目前累计 %(cumulative)s。") % {
            "total": workload_text(asset, asset.total_workload),
            "cumulative": workload_text(asset, depreciation.cumulative_at(asset, stop))}
        return context

    def get_success_url(self):
        return f"{self.get_object().get_absolute_url()}#workload"

    def perform(self, form):
        data = form.cleaned_data
        return services.workload_record(asset=self.get_object(), period=data["period"], workload=data["workload"],
                                        actor=self.request.user, note=data.get("note") or "")


class RepairCreateView(AssetActionView):
    action = "repair"
    permission = "assets.add_repairrecord"
    form_class = forms.RepairForm
    title = gettext_lazy("维修登记")
    success_message = gettext_lazy("维修记录已保存。")

    def perform(self, form):
        data = form.cleaned_data
        return services.repair_record(asset=self.get_object(), repaired_on=data["repaired_on"], cost=data["cost"],
                                      vendor=data.get("vendor") or "", result=data["result"],
                                      under_repair=data.get("under_repair", False))


# ---------------------------------------------------------------------------------------------
# Documents: transfer and disposal (cards picked on the page)
# ---------------------------------------------------------------------------------------------


class CardPickerMixin:
    """The create page of a document over cards: cards preselected by ``?assets=1,2,3`` and a
    search that adds cards of the chosen unit (htmx partial, or a plain GET without JavaScript)."""

    unit_field = "from_unit"
    cards_permission = ""
    route_business_type = ""
    candidate_statuses = MOVABLE_STATUSES
    candidate_limit = 20

    def cards_queryset(self):
        return forms.movable_cards(self.request.user, self.cards_permission).select_related("owner_unit")

    def get(self, request, *args, **kwargs):
        if is_htmx(request) and "candidates" in request.GET:
            return render(request, "assets/_card_candidates.html",
                          {"candidates": self.candidates(request.GET), "query": request.GET.get("q", "")})
        return super().get(request, *args, **kwargs)

    def get_initial(self):
        initial = super().get_initial()
        data = self.request.GET
        ids = ids_from(data.getlist("assets"))
        if ids:
            initial["assets"] = ids
            first = self.cards_queryset().filter(pk__in=ids).order_by("pk").first()
            if first is not None:
                initial[self.unit_field] = first.owner_unit_id
        for name in self.form_class.base_fields:
            if name != "assets" and data.get(name):
                initial[name] = data[name]
        return initial

    def candidates(self, data) -> list[Asset]:
        unit_id, query = parse_id(data.get(self.unit_field)), data.get("q", "").strip()
        if unit_id is None or not query:
            return []
        # A card any open document holds (a transfer, a disposal, a value change …) is not offered.
        queryset = (self.cards_queryset().filter(owner_unit_id=unit_id, status__in=self.candidate_statuses)
                    .exclude(locks.held(Asset)).exclude(pk__in=ids_from(data.getlist("assets"))))
        queryset = filters.AssetFilter(data={"q": query}, queryset=queryset).qs
        return with_value_text(list(queryset.order_by("code")[:self.candidate_limit]))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        ids = ids_from(form.data.getlist("assets")) if form.is_bound else ids_from(form.initial.get("assets", []))
        selected = with_value_text(list(self.cards_queryset().filter(pk__in=ids).order_by("code"))) if ids else []
        if not form.is_bound and ids and len(selected) < len(ids):
            context["unavailable"] = len(ids) - len(selected)
        context.update({
            "selected_cards": selected,
            "selected_total": yuan(sum((c.original_value for c in selected), Decimal("0"))),
            "query": self.request.GET.get("q", ""),
            "candidates": self.candidates(self.request.GET) if not form.is_bound else [],
            "unit_field": form[self.unit_field],
            "route_business_type": self.route_business_type,  # the approval route before 提交审批
        })
        return context


class TransferListView(ObjectListView):
    model = Transfer
    title = TRANSFERS
    table = tables.TransferTable()
    filterset_class = filters.TransferFilter
    create_url_name = "assets:transfer_create"
    export_name = TRANSFERS
    breadcrumbs = [(TRANSFERS, None)]

    def optimize(self, queryset):
        return queryset.select_related("from_unit", "to_unit", "requested_by").order_by("-id")


class TransferCreateView(CardPickerMixin, ObjectFormView):
    model = Transfer
    action = "add"
    form_class = forms.TransferForm
    template_name = "assets/document_form.html"
    unit_field = "from_unit"
    cards_permission = "assets.add_transfer"
    route_business_type = services.TRANSFER
    candidate_statuses = (AssetStatus.IDLE, AssetStatus.IN_USE)
    success_message = gettext_lazy("调拨申请已提交审批。")
    breadcrumbs = [(TRANSFERS, "assets:transfer_list"), (gettext_lazy("申请调拨"), None)]

    def get_title(self):
        return _("申请调拨")

    def perform(self, form):
        data = form.cleaned_data
        return services.transfer_create(from_unit=data["from_unit"], to_unit=data["to_unit"],
                                        asset_ids=[a.pk for a in data["assets"]], reason=data["reason"],
                                        actor=self.request.user)


class DocumentDetailView(ObjectDetailView):
    """A lifecycle document (transfer, disposal, value change, configuration request): its approval
    request and timeline, status badge, number as the title, breadcrumbs back to its list."""

    list_title = ""
    list_url_name = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        document = self.object
        context.update(approval_context(document, self.request.user))
        context.update({
            "status_badge": tables.doc_badge(document), "title": document.number,
            "breadcrumbs": [(self.list_title, reverse(self.list_url_name)), (document.number, None)],
        })
        return context


class TransferDetailView(DocumentDetailView):
    model = Transfer
    template_name = "assets/transfer_detail.html"
    list_title, list_url_name = TRANSFERS, "assets:transfer_list"

    def optimize(self, queryset):
        return queryset.select_related("from_unit", "to_unit", "requested_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        transfer = self.object
        context.update({
            "items": with_value_text(list(transfer.items.select_related("asset").order_by("asset__code"))),
            "total": yuan(transfer.total_value),
        })
        return context


def disposal_names() -> tuple[dict, dict]:
    on = timezone.localdate()
    return forms.standard_names("disposal_method", on), forms.standard_names("scrapping_reason", on)


class DisposalListView(ObjectListView):
    model = Disposal
    title = DISPOSALS
    filterset_class = filters.DisposalFilter
    create_url_name = "assets:disposal_create"
    export_name = DISPOSALS
    breadcrumbs = [(DISPOSALS, None)]

    def get(self, request, *args, **kwargs):
        self.table = tables.DisposalTable(disposal_names()[0])
        return super().get(request, *args, **kwargs)

    def optimize(self, queryset):
        return queryset.select_related("unit", "requested_by").order_by("-id")


class DisposalCreateView(CardPickerMixin, ObjectFormView):
    model = Disposal
    action = "add"
    form_class = forms.DisposalForm
    template_name = "assets/document_form.html"
    unit_field = "unit"
    cards_permission = "assets.add_disposal"
    route_business_type = services.DISPOSAL
    success_message = gettext_lazy("处置申请已提交审批。")
    breadcrumbs = [(DISPOSALS, "assets:disposal_list"), (gettext_lazy("申请处置"), None)]

    def get_title(self):
        return _("申请处置")

    def perform(self, form):
        data = form.cleaned_data
        return services.disposal_create(unit=data["unit"], asset_ids=[a.pk for a in data["assets"]],
                                        method=data["method"], reason=data["reason"], actor=self.request.user,
                                        reason_code=data.get("reason_code") or "", valuation=data.get("valuation"))


class DisposalDetailView(DocumentDetailView):
    model = Disposal
    template_name = "assets/disposal_detail.html"
    list_title, list_url_name = DISPOSALS, "assets:disposal_list"

    def optimize(self, queryset):
        return queryset.select_related("unit", "requested_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        disposal, user = self.object, self.request.user
        methods, reasons = disposal_names()
        context.update({
            "items": with_value_text(list(disposal.items.select_related("asset").order_by("asset__code"))),
            "method_name": methods.get(disposal.method, disposal.method),
            "reason_name": reasons.get(disposal.reason_code, disposal.reason_code),
            "total": yuan(disposal.total_value),
            "valuation": yuan(disposal.valuation),
            "income": yuan(disposal.income),
            "can_record_result": user.has_perm("assets.change_disposal", disposal)
            and disposal.status in (DocStatus.PENDING, DocStatus.COMPLETED),
        })
        return context


class ValueChangeListView(ObjectListView):
    model = ValueChange
    title = VALUE_CHANGES
    table = tables.ValueChangeTable()
    filterset_class = filters.ValueChangeFilter
    export_name = VALUE_CHANGES
    breadcrumbs = [(VALUE_CHANGES, None)]

    def optimize(self, queryset):
        return queryset.select_related("asset", "unit", "requested_by").order_by("-id")


class ValueChangeDetailView(DocumentDetailView):
    model = ValueChange
    template_name = "assets/value_change_detail.html"
    list_title, list_url_name = VALUE_CHANGES, "assets:value_change_list"

    def optimize(self, queryset):
        return queryset.select_related("asset", "unit", "requested_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        change = self.object
        context.update({"delta": f"{change.delta:+,}", "value_before": yuan(change.value_before),
                        "value_after": yuan(change.value_after)})
        return context


class DisposalResultView(ObjectFormView):
    """Record the approval reply number (批复文号) and the income (处置收入)."""

    model = Disposal
    action = "change"
    form_class = forms.DisposalResultForm
    success_message = gettext_lazy("批复文号和处置收入已保存。")

    def optimize(self, queryset):
        return queryset.select_related("unit")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("instance", None)
        kwargs["disposal"] = self.get_object()
        return kwargs

    def get_title(self):
        return _("登记处置结果：%(no)s") % {"no": self.get_object().number}

    def get_breadcrumbs(self):
        disposal = self.get_object()
        return [(DISPOSALS, reverse("assets:disposal_list")), (disposal.number, disposal.get_absolute_url()),
                (_("登记处置结果"), None)]

    def perform(self, form):
        data = form.cleaned_data
        return services.disposal_record_result(disposal=self.get_object(), reply_no=data.get("reply_no") or "",
                                               income=data.get("income"))


# ---------------------------------------------------------------------------------------------
# Configuration requests (配置申请)
# ---------------------------------------------------------------------------------------------


class ConfigurationListView(ObjectListView):
    model = ConfigurationRequest
    title = CONFIGURATIONS
    table = tables.ConfigurationTable()
    filterset_class = filters.ConfigurationFilter
    create_url_name = "assets:configuration_create"
    export_name = CONFIGURATIONS
    breadcrumbs = [(CONFIGURATIONS, None)]

    def optimize(self, queryset):
        return queryset.select_related("unit", "requested_by").order_by("-id")


class ConfigurationCreateView(ObjectFormView):
    """配置申请: the page checks the configuration standard and looks for idle cards of the class
    while the user fills the form (htmx), or on 核对 without JavaScript; 提交 submits."""

    model = ConfigurationRequest
    action = "add"
    form_class = forms.ConfigurationForm
    template_name = "assets/configuration_form.html"
    success_message = gettext_lazy("配置申请已提交审批。")
    breadcrumbs = [(CONFIGURATIONS, "assets:configuration_list"), (gettext_lazy("申请配置"), None)]

    def get_title(self):
        return _("申请配置")

    def get(self, request, *args, **kwargs):
        if is_htmx(request) and "check" in request.GET:
            form = self.form_class(data=request.GET, user=request.user)
            return render(request, "assets/_configuration_check.html", self.check_context(form))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if "check" in request.POST:  # 核对: show the check, save nothing
            form = self.get_form()
            form.is_valid()
            return self.render_to_response(self.get_context_data(form=form))
        return super().post(request, *args, **kwargs)

    def check_context(self, form) -> dict:
        inputs = form.check_inputs() if form.is_bound else None
        if inputs is None:
            return {"checked": False}
        price = inputs["unit_price"]
        notes = services.configuration_check(class_code=inputs["class_code"], standard_key=inputs["standard_key"],
                                             unit_price=price if price is not None else Decimal("0"),
                                             on=timezone.localdate())
        for note in notes:
            note["confidence_label"] = confidence_label(note.get("confidence"))
            if price is None:
                note["over"], note["message"] = False, ""
        return {"checked": True, "notes": notes, "price_missing": price is None,
                "idle": list(services.idle_matches(self.request.user, inputs["class_code"]))}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.check_context(context["form"]))
        context["route_business_type"] = services.PURCHASE  # the approval route before 提交审批
        return context

    def perform(self, form):
        data = form.cleaned_data
        return services.configuration_create(
            unit=data["unit"], item_name=data["item_name"], class_code=data["class_code"], quantity=data["quantity"],
            unit_price=data["unit_price"], reason=data["reason"], actor=self.request.user,
            standard_key=data.get("standard_key") or "", idle_reason=data.get("idle_reason") or "")


def confidence_label(code) -> str:
    from jiguan.standards.models import Confidence

    try:
        return Confidence(code).label
    except ValueError:
        return code or ""


class ConfigurationDetailView(DocumentDetailView):
    model = ConfigurationRequest
    template_name = "assets/configuration_detail.html"
    list_title, list_url_name = CONFIGURATIONS, "assets:configuration_list"

    def optimize(self, queryset):
        return queryset.select_related("unit", "requested_by").prefetch_related(
            services.idle_prefetch(self.request.user))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.object
        notes, idle_notes = [], []
        for note in request.check_notes or []:
            if "idle_count" in note:
                idle_notes.append(note)
            else:
                notes.append({**note, "confidence_label": confidence_label(note.get("confidence"))})
        idle_cards, idle_hidden = services.idle_offered_to(request, self.request.user)
        context.update({
            "notes": notes, "idle_notes": idle_notes, "idle_cards": idle_cards, "idle_hidden": idle_hidden,
            "class_name": standard_name(services.CLASS_TABLE, request.class_code, timezone.localdate()),
            "unit_price": yuan(request.unit_price), "total_amount": yuan(request.total_amount),
        })
        return context


# ---------------------------------------------------------------------------------------------
# Depreciation (折旧计提) and settings
# ---------------------------------------------------------------------------------------------


class RunListView(ObjectListView):
    model = DepreciationRun
    title = RUNS
    table = tables.RunTable()
    filterset_class = filters.RunFilter
    create_url_name = "assets:run_create"
    export_name = RUNS
    extra_actions_template = "assets/_run_list_actions.html"
    breadcrumbs = [(RUNS, None)]

    def optimize(self, queryset):
        return queryset.select_related("unit", "started_by").order_by("-period", "-id")


class RunCreateView(ObjectFormView):
    """Start the month's run: ``run_start`` now, ``run_execute`` in a background job after commit
    (inline when Celery is eager); the run page shows the progress."""

    model = DepreciationRun
    action = "add"
    form_class = forms.RunForm
    template_name = "assets/run_form.html"
    success_message = gettext_lazy("已开始计提折旧。")
    breadcrumbs = [(RUNS, "assets:run_list"), (gettext_lazy("计提折旧"), None)]

    def get_title(self):
        return _("计提折旧")

    def perform(self, form):
        data = form.cleaned_data
        try:
            run = depreciation.run_start(unit=data["unit"], period=data["month"], actor=self.request.user)
        except ValueError as exc:
            raise ValidationError({"month": str(exc)}) from None
        user = self.request.user
        # After commit, so the job finds the run; a job that cannot be queued fails the run at once
        # (run_enqueue), and the run page says so and offers 重新计提.
        transaction.on_commit(lambda: depreciation.run_enqueue(run, actor=user), robust=True)
        return run


class RunDetailView(ObjectDetailView):
    """A run and its progress; while it runs the progress card polls this page every second (htmx)."""

    model = DepreciationRun
    template_name = "assets/run_detail.html"

    def optimize(self, queryset):
        return queryset.select_related("unit", "started_by")

    def get(self, request, *args, **kwargs):
        if is_htmx(request):
            self.object = self.get_object()
            return render(request, "assets/_run_progress.html", self.progress_context(self.object))
        return super().get(request, *args, **kwargs)

    def progress_context(self, run) -> dict:
        return {"run": run, "running": run.status == RunStatus.RUNNING, "amount": yuan(run.amount),
                "can_restart": run.restartable and self.request.user.has_perm("assets.add_depreciationrun", run),
                "ledger_url": f"{reverse('assets:ledger')}?period={run.period_label}&owner={run.unit_id}"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.object
        context.update(self.progress_context(run))
        context["title"] = f"{run.unit.name} {run.period_label}"
        context["breadcrumbs"] = [(RUNS, reverse("assets:run_list")), (f"{run.unit.name} {run.period_label}", None)]
        return context


class LedgerListView(ObjectListView):
    """折旧明细账: filtered by month and owning unit (subtree), newest first, exported to Excel."""

    model = DepreciationEntry
    title = gettext_lazy("折旧明细账")
    table = tables.LedgerTable()
    filterset_class = filters.LedgerFilter
    export_name = gettext_lazy("折旧明细账")
    breadcrumbs = [(RUNS, "assets:run_list"), (gettext_lazy("折旧明细账"), None)]

    def optimize(self, queryset):
        return queryset.select_related("asset", "owner_unit").order_by("-id")


class SettingsView(ObjectFormView):
    """资产管理设置 of a tenant (province, city or county): code pattern, depreciation start rule,
    custom card fields. System administrators only."""

    model = AssetSettings
    action = "change"
    form_class = forms.SettingsForm
    template_name = "assets/settings_form.html"
    success_message = gettext_lazy("资产管理设置已保存。")
    breadcrumbs = [(gettext_lazy("资产管理设置"), None)]

    def get_title(self):
        return _("资产管理设置")

    def get_object(self):
        return None  # the tenant is chosen on the form

    def tenant_units(self):
        form = self.form_class(user=self.request.user)
        return form.fields["unit"].queryset

    def chosen_unit(self):
        units = self.tenant_units()
        unit_id = self.request.GET.get("unit", "")
        unit = units.filter(pk=parse_id(unit_id)).first() if parse_id(unit_id) else None
        if unit is None:
            unit = units.order_by("depth", "path").first()
        if unit is None:
            raise Http404(_("您的数据范围内没有可设置的省、市、县（区）。"))
        return unit

    def get_initial(self):
        unit = self.chosen_unit()
        tenant = services.settings_for(unit)
        return {"unit": unit.pk, "code_pattern": tenant.code_pattern, "start_rule": tenant.start_rule,
                "custom_fields": forms.custom_fields_text(tenant.custom_fields)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit = self.chosen_unit() if not context["form"].is_bound else context["form"].cleaned_data.get("unit")
        own = AssetSettings.objects.filter(unit=unit).first() if unit else None
        context.update({
            "tenant_unit": unit, "own_settings": own,
            "configured": list(AssetSettings.objects.restrict(self.request.user, "change")
                               .select_related("unit").order_by("unit__path")),
        })
        return context

    def get_success_url(self):
        return f"{reverse('assets:settings')}?unit={self.object.unit_id}"

    def perform(self, form):
        data = form.cleaned_data
        return services.settings_save(unit=data["unit"], code_pattern=data["code_pattern"],
                                      start_rule=data["start_rule"], custom_fields=data["custom_fields"])


# ---------------------------------------------------------------------------------------------
# Photos and attachments (照片与附件): scoped by the card
# ---------------------------------------------------------------------------------------------

# Shown in the browser with ?inline=1 (thumbnails, PDF preview); everything else is a download.
INLINE_TYPES = {"image/jpeg", "image/png", "image/webp", "application/pdf"}


def attachment_of(card_queryset, pk: int, attachment_pk: int) -> AssetAttachment:
    """The attachment ``attachment_pk`` of card ``pk`` if the card is in ``card_queryset``, else 404."""
    attachment = (AssetAttachment.objects.filter(pk=attachment_pk, asset__in=card_queryset.filter(pk=pk))
                  .select_related("asset").first())
    if attachment is None:
        raise Http404(_("记录不存在，或不在您的数据范围内。"))
    return attachment


def attachment_response(attachment: AssetAttachment, inline: bool) -> FileResponse:
    """Stream a stored attachment with its original name; a download unless shown inline is safe."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("附件文件不存在。")) from None
    inline = inline and attachment.content_type in INLINE_TYPES
    response = FileResponse(handle, as_attachment=not inline, filename=attachment.filename,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


class AttachmentUploadView(ScopedViewMixin, View):
    """上传照片与附件 (POST, multipart ``files`` and an optional ``description``): users who may change
    the card. All or nothing; errors come back to the card's page as messages."""

    model = Asset
    action = "change"
    http_method_names = ["post"]

    def post(self, request, pk):
        asset = self.get_queryset().filter(pk=pk).first()
        if asset is None:
            raise Http404(_("记录不存在，或不在您的数据范围内。"))
        try:
            added = services.attachments_add(asset=asset, files=request.FILES.getlist("files"),
                                             description=request.POST.get("description", "").strip())
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(asset.get_absolute_url())  # the messages show at the top
        messages.success(request, _("已上传 %(n)d 个文件。") % {"n": len(added)})
        return HttpResponseRedirect(f"{asset.get_absolute_url()}#attachments")


class AttachmentDownloadView(ScopedViewMixin, View):
    """An attachment's file, for whoever may view the card (404 outside the scope). ``?inline=1``
    shows photos and PDFs in the browser (the card's thumbnails)."""

    model = Asset
    action = "view"

    def get(self, request, pk, attachment_pk):
        attachment = attachment_of(self.get_queryset(), pk, attachment_pk)
        return attachment_response(attachment, inline=request.GET.get("inline") == "1")


class AttachmentDeleteView(ScopedViewMixin, View):
    """删除附件 (POST): users who may change the card."""

    model = Asset
    action = "change"
    http_method_names = ["post"]

    def post(self, request, pk, attachment_pk):
        attachment = attachment_of(self.get_queryset(), pk, attachment_pk)
        try:
            services.attachment_delete(attachment=attachment)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(f"{attachment.asset.get_absolute_url()}#attachments")
        messages.success(request, _("已删除附件“%(name)s”。") % {"name": attachment.filename})
        return HttpResponseRedirect(f"{attachment.asset.get_absolute_url()}#attachments")
