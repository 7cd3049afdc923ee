"""Self-service pages of served staff (服务对象): 我的资产 (the cards I use, 使用人, whatever my role) and
交回申请 from a card's page. Thin: the rows come from ``selectors.my_cards``, the rule from
``policies``, the write from ``services.return_request``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View, generic

from jiguan.core.views import ScopedViewMixin, focus_path

from .. import selectors, services, tables
from ..models import Asset
from .common import MINE, card_refusal

REQUISITION = gettext_lazy("领用申请")

MANAGERS_SHOWN = 3  # asset managers named by the empty state


class MyAssetsView(ScopedViewMixin, generic.ListView):
    """我的资产: the cards whose 使用人 is the signed-in user, held (已处置 left out), by code; a table on
    desktops, cards on phones; each opens the card's page. Paginated. A personal page: no asset
    permission needed, the rows are the user's own (``selectors.my_cards``), whatever the unit switcher."""

    model = Asset
    require_model_permission = False
    template_name = "assets/my_assets.html"
    breadcrumbs = [(MINE, None)]
    paginate_by = 20
    context_object_name = "cards"

    def base_queryset(self):
        return selectors.my_cards(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for card in context["cards"]:
            card.status_badge = tables.status_badge(card)
        managers = []
        if not context["cards"]:
            managers = list(selectors.asset_managers(self.request.user.unit)[:MANAGERS_SHOWN])
        context.update({"title": MINE, "managers": managers})
        return context


class AssetReturnRequestView(ScopedViewMixin, View):
    """交回申请 (POST): the card's own user tells the unit's asset managers they want to give it back
    (``policies.card_return_request``; the card is found among those they may open)."""

    model = Asset
    require_model_permission = False
    http_method_names = ["post"]

    def base_queryset(self):
        return selectors.viewable_cards(self.request.user, focus_path(self.request))

    def post(self, request, pk):
        asset = self.get_queryset().select_related("owner_unit").filter(pk=pk).first()
        if asset is None:
            raise card_refusal(request.user)
        try:
            services.return_request(asset=asset, actor=request.user, reason=request.POST.get("reason", "").strip())
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        else:
            messages.success(request, _("已通知资产管理员，请等待其联系您办理交回。"))
        return HttpResponseRedirect(asset.get_absolute_url())


class RequisitionView(ScopedViewMixin, generic.ListView):
    """领用申请: the idle (闲置) cards of the user's own agency, searched by code, name or pinyin
    initials, each with 申请领用 and the use it is for; the idle pool first, so nothing is bought
    while the same thing sits in a store room. When nothing fits, the page says whom to ask (and
    offers 配置申请 to those who may file one). Any role or none (``selectors.idle_pool``)."""

    model = Asset
    require_model_permission = False
    template_name = "assets/requisition.html"
    breadcrumbs = [(REQUISITION, None)]
    paginate_by = 20
    context_object_name = "cards"

    def base_queryset(self):
        return selectors.idle_pool(self.request.user, self.request.GET.get("q", ""))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        agency = selectors.home_agency(user)
        context.update({
            "title": REQUISITION, "agency": agency, "query": self.request.GET.get("q", "").strip(),
            "may_configure": user.has_perm("assets.add_configurationrequest"),
            "managers": list(selectors.asset_managers(agency)[:MANAGERS_SHOWN]) if not context["cards"] else [],
        })
        return context


class RequisitionRequestView(ScopedViewMixin, View):
    """申请领用 (POST) of one idle card of the pool, with its use (``services.requisition_request``)."""

    model = Asset
    require_model_permission = False
    http_method_names = ["post"]

    def base_queryset(self):
        return selectors.idle_pool(self.request.user)

    def post(self, request, pk):
        back = reverse("assets:requisition")
        asset = self.get_queryset().filter(pk=pk).first()  # the pool: idle, of the user's agency
        try:
            if asset is None:
                raise PermissionDenied(_("该资产已不是本单位的闲置资产（可能已被他人领用），请刷新后另选。"))
            services.requisition_request(asset=asset, actor=request.user, reason=request.POST.get("reason", ""))
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
            return HttpResponseRedirect(back)
        messages.success(request, _("已提交领用申请：%(code)s %(name)s。资产管理员办理领用后，资产将出现在“我的资产”中。") % {
            "code": asset.code, "name": asset.name})
        return HttpResponseRedirect(back)
