from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

VIEW = {"assets.view_asset", "assets.view_assetevent", "assets.view_repairrecord", "assets.view_transfer",
        "assets.view_transferitem", "assets.view_disposal", "assets.view_disposalitem",
        "assets.view_configurationrequest", "assets.view_depreciationrun", "assets.view_depreciationentry",
        "assets.view_valuechange", "assets.view_workloadreading"}
MANAGE = VIEW | {
    "assets.add_asset", "assets.change_asset", "assets.import_asset", "assets.issue_asset", "assets.transfer_asset",
    "assets.dispose_asset", "assets.depreciate_asset", "assets.report_asset", "assets.add_repairrecord",
    "assets.add_transfer", "assets.add_disposal", "assets.change_disposal", "assets.add_configurationrequest",
    "assets.add_depreciationrun", "assets.view_assetsettings", "assets.add_valuechange",
    "assets.add_workloadreading",
}


class AssetsConfig(AppConfig):
    name = "jiguan.assets"
    label = "assets"
    verbose_name = _("资产管理")

    def ready(self):
        from jiguan.core import menu
        from jiguan.notifications import digest
        from jiguan.org import roles
        from jiguan.workflow import registry

        # 每日汇总: an asset manager's registrations and disposals of the day in their scope.
        digest.register("assets.changes", "jiguan.assets.digest.changes_section", order=20)

        # The asset manager (资产管理员) runs the whole lifecycle within their scope; a unit leader
        # reads cards and reports of their unit; approvers see requests through the workflow.
        roles.contribute("asset_manager", MANAGE)
        roles.contribute("unit_leader", VIEW | {"assets.report_asset"})
        roles.contribute("leader", VIEW | {"assets.report_asset"})
        roles.contribute("system_admin", {"assets.view_assetsettings", "assets.add_assetsettings",
                                          "assets.change_assetsettings"})

        amount = {"amount": _("金额（元）")}
        registry.register(registry.BusinessType(
            code="assets.purchase", label=_("资产配置申请"), model="assets.ConfigurationRequest",
            on_outcome="jiguan.assets.services.configuration_outcome", fields=amount,
            business_unit="unit", draft="jiguan.assets.approvals.configuration_draft"))
        registry.register(registry.BusinessType(
            code="assets.transfer", label=_("资产调拨"), model="assets.Transfer",
            on_outcome="jiguan.assets.services.transfer_outcome", fields={"amount": _("原值合计（元）")},
            business_unit="from_unit", counterparty_unit="to_unit", draft="jiguan.assets.approvals.transfer_draft"))
        registry.register(registry.BusinessType(
            code="assets.disposal", label=_("资产处置"), model="assets.Disposal",
            on_outcome="jiguan.assets.services.disposal_outcome", fields={"amount": _("原值合计（元）")},
            business_unit="unit", draft="jiguan.assets.approvals.disposal_draft"))
        registry.register(registry.BusinessType(
            code="assets.value_change", label=_("资产价值调整"), model="assets.ValueChange",
            on_outcome="jiguan.assets.services.value_change_outcome", fields={"amount": _("调整金额（绝对值，元）")},
            business_unit="asset__owner_unit", draft="jiguan.assets.approvals.value_change_draft"))
        # The four documents are approvable documents of the kernel (jiguan.workflow.documents):
        # numbering, detail pages, card picker, 审批表 and their policies (assets/documents.py).
        from . import documents

        documents.register()

        menu.register("assets", _("资产管理"), "box-seam", [
            # Everyone's: the cards they use (使用人), whatever their role (self-service, 服务对象).
            menu.MenuItem(_("我的资产"), "assets:mine", None, "person-badge"),
            menu.MenuItem(_("领用申请"), "assets:requisition", None, "box-arrow-up"),
            menu.MenuItem(_("资产卡片"), "assets:asset_list", "assets.view_asset", "card-list"),
            menu.MenuItem(_("资产登记"), "assets:asset_create", "assets.add_asset", "plus-square"),
            menu.MenuItem(_("配置申请"), "assets:configuration_list", "assets.view_configurationrequest", "cart"),
            menu.MenuItem(_("资产调拨"), "assets:transfer_list", "assets.view_transfer", "arrow-left-right"),
            menu.MenuItem(_("资产处置"), "assets:disposal_list", "assets.view_disposal", "trash"),
            menu.MenuItem(_("价值调整"), "assets:value_change_list", "assets.view_valuechange", "currency-yen"),
            menu.MenuItem(_("折旧计提"), "assets:run_list", "assets.view_depreciationrun", "graph-down"),
            menu.MenuItem(_("资产报表"), "assets:report", "assets.report_asset", "bar-chart"),
            # Everyone's too: a card's own user opens it by its label (policies.card_view).
            menu.MenuItem(_("扫码查看"), "assets:scan", None, "qr-code-scan"),
            menu.MenuItem(_("资产管理设置"), "assets:settings", "assets.change_assetsettings", "gear"),
        ], order=200)

        # Home-page widgets and global search (jiguan.core.dashboard / jiguan.core.search): each
        # provider reads the cards the user may view (jiguan/assets/widgets.py, search.py).
        from jiguan.core import dashboard, search

        def widget(key, label, provider, order, icon, kind=dashboard.TILE, url_name="assets:asset_list",
                   permission="assets.view_asset", wide=False):
            dashboard.register(dashboard.Widget(key=key, label=label, kind=kind, permission=permission,
                                                provider=f"jiguan.assets.widgets.{provider}", order=order,
                                                icon=icon, url_name=url_name, wide=wide))

        report = "assets.report_asset"  # the figures of value come from the 资产汇总表
        widget("assets.mine", _("我的资产"), "my_cards", 190, "person-badge", permission=None,
               url_name="assets:mine")
        widget("assets.cards", _("资产卡片"), "card_count", 200, "card-list", permission=report)
        widget("assets.value", _("原值合计"), "original_value", 201, "currency-yen", permission=report)
        widget("assets.net", _("净值合计"), "net_value", 202, "cash-stack", permission=report)
        widget("assets.idle", _("闲置资产"), "idle_count", 203, "pause-circle")
        widget("assets.pending_disposal", _("待处置"), "pending_disposal_count", 204, "trash")
        widget("assets.added", _("本月新增"), "added_this_month", 205, "plus-circle")
        widget("assets.by_unit", _("原值按单位"), "unit_chart", 210, "bar-chart", kind=dashboard.CHART,
               permission=report)
        widget("assets.by_class", _("原值按门类"), "class_chart", 211, "pie-chart", kind=dashboard.CHART,
               permission=report)
        widget("assets.status", _("资产状态分布"), "status_chart", 212, "pie-chart", kind=dashboard.CHART)
        widget("assets.trend", _("近12个月新增"), "trend_chart", 213, "graph-up", kind=dashboard.CHART, wide=True)
        # 我的服务 (jiguan.core.selfservice): the idle pool first, then, for those who may, a new purchase.
        from jiguan.core import selfservice

        selfservice.register(selfservice.Service(
            key="assets.requisition", label=_("领用申请"), url_name="assets:requisition", icon="box-arrow-up",
            hint=_("从本单位闲置资产中申请领用"), order=100))
        selfservice.register(selfservice.Service(
            key="assets.configuration", label=_("配置申请"), url_name="assets:configuration_create", icon="cart-plus",
            hint=_("没有合适的闲置资产时申请购置"), permission="assets.add_configurationrequest", order=110))
        search.register(search.SearchProvider(
            key="assets.cards", label=_("资产卡片"), permission="assets.view_asset",
            search="jiguan.assets.search.cards", more_url="jiguan.assets.search.cards_url", order=200))

        # Photos and attachments (照片与附件) and the timeline (资产履历) of a card are the kernel's
        # (jiguan.core.attachments / jiguan.core.history); the timeline's store stays AssetEvent.
        from . import timeline
        from .services import attachments

        attachments.declare()
        timeline.declare()

        # The card importer (资产卡片导入) is declared to the kernel's imports (jiguan.core.imports):
        # page, API and background jobs of large files.
        from . import imports

        imports.register()

        # Events for other systems (事件推送, jiguan.core.events): 登记, 调拨, 价值调整, 处置.
        from . import events

        events.declare()

        from . import jobs  # noqa: F401 - registers the Celery tasks (autodiscovery looks for tasks.py only)
