"""The asset management settings page (资产管理设置) of a province, city or county."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiguan.core.validators import parse_id
from jiguan.core.views import ObjectFormView

from .. import forms, services
from ..models import AssetSettings


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
                                      start_rule=data["start_rule"], custom_fields=data["custom_fields"],
                                      actor=self.request.user)
