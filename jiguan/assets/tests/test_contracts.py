"""The kernel's contract tests (jiguan.core.testing.contracts) applied to the assets objects: each class
below is data, and the base generates its permission, scope, audit and query-count tests. Objects
come from jiguan/assets/tests/factories.py, made in 甲市机关事务管理局 (city A)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from jiguan.assets.models import (
    Asset,
    ConfigurationRequest,
    DepreciationRun,
    Disposal,
    Transfer,
    ValueChange,
    period_label,
    period_of,
)
from jiguan.audit.models import Action
from jiguan.core.testing import contracts

from . import factories as f

MANAGER_A = ("city_a_agency", [("asset_manager", "city_a", True)])
LEADER_A = ("city_a_agency", [("unit_leader", "city_a_agency", True)])  # reads the cards, files nothing
MANAGER_B = ("city_b_agency", [("asset_manager", "city_b", True)])


class AssetsContract:
    granted = MANAGER_A
    write_denied = LEADER_A
    out_of_scope = MANAGER_B


class DocumentAPI(AssetsContract, contracts.APIContract):
    not_offered = ("patch", "put", "delete")  # a document changes through its approval, never by a write


# Cards (资产卡片) -------------------------------------------------------------------------------------


class TestAssetPages(AssetsContract, contracts.ViewContract):
    model = Asset
    list_url, detail_url = "assets:asset_list", "assets:asset_detail"
    create_url, update_url = "assets:asset_create", "assets:asset_change"
    query_ceiling = 13  # as assets/tests/test_query_counts.py

    def create_data(self, env):
        return {**f.card_data(env.unit), "quantity": "1", "measure_unit": "台", "count": "1", "status": "in_use",
                "dep_method": "straight_line", "location": "契约 301 室"}

    def update_data(self, env, obj):
        return {"name": obj.name, "measure_unit": obj.measure_unit, "status": "in_use",
                "using_unit": obj.using_unit_id, "location": "契约档案室", "brand": "联想"}


class TestAssetAPI(AssetsContract, contracts.APIContract):
    model = Asset
    basename = "asset"
    not_offered = ("put", "delete")
    query_ceiling = 7  # as assets/tests/test_query_counts.py

    def create_data(self, env):
        return f.card_data(env.unit)

    def update_data(self, env, obj):
        return {"location": "契约 305 室"}


# Documents (单据) ---------------------------------------------------------------------------------------


class Documents:
    def make(self, env):
        f.approvals_ready(env.unit)
        return super().make(env)

    def create_request(self, env):
        f.approvals_ready(env.unit)
        return super().create_request(env)


class TestTransferPages(Documents, AssetsContract, contracts.ViewContract):
    model = Transfer
    list_url, detail_url, create_url = "assets:transfer_list", "assets:transfer_detail", "assets:transfer_create"

    def create_data(self, env):
        data = f.transfer_data(env.unit)
        return {**data, "from_unit": env.unit.pk}


class TestTransferAPI(Documents, DocumentAPI):
    model = Transfer
    basename = "assettransfer"

    def create_data(self, env):
        return f.transfer_data(env.unit)


class TestDisposalPages(Documents, AssetsContract, contracts.ViewContract):
    model = Disposal
    list_url, detail_url, create_url = "assets:disposal_list", "assets:disposal_detail", "assets:disposal_create"

    def create_data(self, env):
        return {**f.disposal_data(env.unit), "unit": env.unit.pk}


class TestDisposalAPI(Documents, DocumentAPI):
    model = Disposal
    basename = "assetdisposal"

    def create_data(self, env):
        return f.disposal_data(env.unit)


class ValueChanges(Documents):
    """A value change (价值调整) is filed from its card: ``assets:asset_value`` / ``value-adjust``."""

    def create_request(self, env):
        f.approvals_ready(env.unit)
        card = f.make_card(env.unit)
        url = (f"/api/v1/assets/{card.pk}/value-adjust/" if self.api else reverse("assets:asset_value", args=[card.pk]))
        return url, f.value_change_data()


class TestValueChangePages(ValueChanges, AssetsContract, contracts.ViewContract):
    model = ValueChange
    list_url, detail_url = "assets:value_change_list", "assets:value_change_detail"


class TestValueChangeAPI(ValueChanges, DocumentAPI):
    model = ValueChange
    basename = "assetvaluechange"


class TestConfigurationPages(Documents, AssetsContract, contracts.ViewContract):
    model = ConfigurationRequest
    list_url, detail_url = "assets:configuration_list", "assets:configuration_detail"
    create_url = "assets:configuration_create"

    def create_data(self, env):
        return {**f.configuration_data(env.unit), "quantity": "1", "unit_price": "4800"}


class TestConfigurationAPI(Documents, DocumentAPI):
    model = ConfigurationRequest
    basename = "assetconfiguration"

    def create_data(self, env):
        return f.configuration_data(env.unit)


# Depreciation runs (折旧计提) ------------------------------------------------------------------------------


def last_month() -> str:
    return period_label(period_of(timezone.localdate()) - 1)


class DepreciationRuns(AssetsContract):
    create_action = Action.STATE  # 开始计提: a run is started (and may be started again), not entered


class TestDepreciationRunPages(DepreciationRuns, contracts.ViewContract):
    model = DepreciationRun
    list_url, detail_url, create_url = "assets:run_list", "assets:run_detail", "assets:run_create"

    def create_data(self, env):
        return {"unit": env.unit.pk, "month": last_month()}


class TestDepreciationRunAPI(DepreciationRuns, contracts.APIContract):
    model = DepreciationRun
    basename = "depreciationrun"
    not_offered = ("patch", "put", "delete")

    def create_data(self, env):
        return {"unit": env.unit.pk, "period": last_month()}
