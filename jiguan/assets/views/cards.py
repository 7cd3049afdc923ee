"""Card pages (资产卡片): list, detail, registration and the lifecycle operations (change, issue,
return, value adjustment, workload, repair)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiguan.core import attachments, history
from jiguan.core.views import ObjectDetailView, ObjectFormView, ObjectListView, focus_path

from .. import depreciation, filters, forms, policies, selectors, services, tables
from ..models import (
    MOVABLE_STATUSES,
    Asset,
    AssetStatus,
    DepreciationEntry,
    DepreciationMethod,
    DisposalItem,
    DocStatus,
    TransferItem,
    ValueChange,
    period_label,
    period_of,
)
from ..tables import yuan
from .common import (
    ASSETS,
    approval_context,
    card_refusal,
    cards_home,
    month_of,
    standard_name,
    with_net_value,
    with_value_text,
)

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
    """A card's page: for its unit's viewers and, read-only, for its own user (使用人) whatever their
    role (``policies.card_view``); the buttons are those the reader may use."""

    model = Asset
    template_name = "assets/asset_detail.html"
    require_model_permission = False  # policies.card_view decides, over the card

    def base_queryset(self):
        return selectors.viewable_cards(self.request.user, focus_path(self.request))

    def optimize(self, queryset):
        return queryset.select_related("owner_unit", "using_unit", "department", "user", "keeper")

    def get_object(self, queryset=None):
        user = self.request.user
        asset = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if asset is None or not policies.allows(policies.card_view, user, asset):
            raise card_refusal(user)
        return asset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        asset, user = self.object, self.request.user
        period = month_of(self.request)

        viewer = user.has_perm("assets.view_asset")  # else the card's own user (使用人) reading it

        def readable(document) -> bool:  # its link, for viewers; its own user may hold no right to it
            return viewer or user.has_perm(f"assets.view_{document._meta.model_name}")

        open_transfer = (TransferItem.objects.filter(asset=asset, open=True)
                         .select_related("transfer__from_unit", "transfer__to_unit").first())
        open_disposal = DisposalItem.objects.filter(asset=asset, open=True).select_related("disposal").first()
        documents = []
        for item, kind, label in ((open_transfer, "transfer", _("调拨")), (open_disposal, "disposal", _("处置"))):
            if item is not None:
                document = getattr(item, kind)
                documents.append({"kind": kind, "label": label, "document": document, "readable": readable(document),
                                  **approval_context(document, user)})
        open_value_change = ValueChange.objects.filter(asset=asset, status=DocStatus.PENDING).first()
        if open_value_change is not None:
            documents.append({"kind": "value_change", "label": _("价值调整"), "document": open_value_change,
                              "readable": readable(open_value_change), **approval_context(open_value_change, user)})
        busy = bool(documents)  # one open document per card (core.locks): no second one is offered
        # Photos and attachments, and the timeline: the kernel's panels (core/_attachments.html,
        # core/_timeline.html); an upload's timeline entry links its file while it exists.
        context.update(attachments.attachments_context(asset, user))
        context.update(history.context(asset, attachments=context["attachments"]))
        events = context["timeline"]
        if not viewer:  # the card's own user: its files open for them, its documents' pages do not
            files = {a.download_url for a in context["attachments"]}
            for entry in events:
                if entry.url not in files:
                    entry.url = None
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
            "breadcrumbs": [cards_home(user), (asset.code, None)],
            "return_request": self.return_request(asset),
        })
        return context

    def return_request(self, asset: Asset) -> str:
        """The 申请交回 button's address, for the card's own user while it is in use, else ""."""
        if not policies.allows(policies.card_return_request, self.request.user, asset):
            return ""
        return reverse("assets:asset_return_request", args=[asset.pk])

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
        actions.append({"id": "action-card-pdf", "label": _("打印卡片"), "icon": "printer",
                        "url": url("asset_card_pdf"), "target": "_blank"})
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


def event_url(event) -> str | None:
    data = event.data or {}
    if data.get("transfer"):
        return reverse("assets:transfer_detail", args=[data["transfer"]])
    if data.get("disposal"):
        return reverse("assets:disposal_detail", args=[data["disposal"]])
    if data.get("value_change"):
        return reverse("assets:value_change_detail", args=[data["value_change"]])
    return None


class AssetCardPdfView(AssetDetailView):
    """The printable A4 资产卡片 (PDF, shown in the browser to print): the card page's fields and its
    latest history, for whoever may open the card (``policies.card_view``, as the page)."""

    def get(self, request, *args, **kwargs):
        from jiguan.workflow.documents.pdf import pdf_response

        from ..card_pdf import card_pdf

        asset = self.object = self.get_object()
        groups = self.field_groups(asset, month_of(request))
        events = history.timeline(asset, limit=30)
        return pdf_response(card_pdf(asset, groups, events), f"{_('资产卡片')}-{asset.code}.pdf")

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
        self.cards = services.asset_register(**form.service_kwargs(), actor=self.request.user)
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
        return services.asset_change(asset=self.get_object(), actor=self.request.user, **form.service_kwargs())


class AssetIssueView(AssetActionView):
    action = "issue"
    form_class = forms.AssetIssueForm
    title = gettext_lazy("资产领用")
    success_message = gettext_lazy("已办理领用。")

    def perform(self, form):
        data = form.cleaned_data
        return services.asset_issue(asset=self.get_object(), user=data.get("user"), department=data.get("department"),
                                    keeper=data.get("keeper"), location=data.get("location") or "", on=data["on"],
                                    actor=self.request.user)


class AssetReturnView(AssetActionView):
    action = "issue"
    form_class = forms.AssetReturnForm
    title = gettext_lazy("资产交回")
    intro = gettext_lazy("交回后资产为“闲置”状态，可供调剂使用。")
    success_message = gettext_lazy("已办理交回。")

    def perform(self, form):
        data = form.cleaned_data
        return services.asset_return(asset=self.get_object(), location=data.get("location") or "", on=data["on"],
                                     actor=self.request.user)


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
                                      under_repair=data.get("under_repair", False), actor=self.request.user)
