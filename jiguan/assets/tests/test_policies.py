"""One policy per operation (jiguan/assets/policies.py), asked by the service: for each operation,
(a) a user the policy refuses is refused by the page and by the API alike, and (b) a policy made
to refuse (monkeypatched) makes the page and the API refuse, which proves both ask it."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from jiguan.assets import policies, services
from jiguan.assets.apps import MANAGE
from jiguan.assets.models import (
    Asset,
    AssetSettings,
    AssetStatus,
    ConfigurationRequest,
    DepreciationMethod,
    DepreciationRun,
    Disposal,
    RepairRecord,
    Transfer,
    ValueChange,
    WorkloadReading,
)
from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.org.models import Duty, Role
from jiguan.workflow import services as workflow
from jiguan.workflow.selectors import latest_request

pytestmark = pytest.mark.django_db

REFUSED = "测试：策略不允许。"
SCRAP = {"method": "scrap", "reason_code": "obsolete", "reason": "主板损坏，无维修价值"}
DESKTOP = {"name": "台式计算机", "class_code": "A02010105", "original_value": "6000.00",
           "acquisition_method": "purchase", "acquired_on": "2024-01-15", "funding_source": "fiscal"}
VEHICLE = {"name": "公务用车", "class_code": "A02030000", "original_value": Decimal("300000.00"),
           "measure_unit": "辆", "acquired_on": date(2025, 1, 10), "dep_method": DepreciationMethod.UNITS,
           "total_workload": Decimal("500000"), "workload_unit": "km"}
TODAY = timezone.localdate().isoformat()


def without(username, tree, *missing):
    """An asset manager of 甲市 whose role lacks ``missing`` (a custom role an administrator made)."""
    codenames = [p.split(".")[1] for p in MANAGE - set(missing)]
    role = Role.objects.create(code=f"r_{username}", name=f"资产管理员（无{'、'.join(missing)}）", duty=Duty.BUSINESS)
    role.permissions.set(Permission.objects.filter(content_type__app_label="assets", codename__in=codenames))
    return make_user(username, tree.city_a_dept, [(role.code, tree.city_a, True)])


@dataclass
class World:
    tree: object
    users: dict
    card: Asset          # in use, 甲市机关事务管理局
    idle: Asset
    vehicle: Asset       # 工作量法
    transfer: Transfer
    disposal: Disposal


@pytest.fixture
def world(tree, users, register, asset_flows, leaders):
    manager = users["a_assets"]
    card = register(tree.city_a_agency, actor=manager)
    idle = register(tree.city_a_agency, actor=manager, status="idle")
    vehicle = register(tree.city_a_agency, actor=manager, **VEHICLE)
    moved, scrapped = register(tree.city_a_agency, count=2, actor=manager)
    with acting_as(manager):
        transfer = services.transfer_create(from_unit=tree.city_a_agency, to_unit=tree.city_b_agency,
                                            asset_ids=[moved.pk], reason="调剂使用", actor=manager)
        disposal = services.disposal_create(unit=tree.city_a_agency, asset_ids=[scrapped.pk], actor=manager, **SCRAP)
    people = dict(users, leader=leaders["leader"])
    for name, missing in [("no_transfer", "assets.transfer_asset"), ("no_dispose", "assets.dispose_asset"),
                          ("no_valuechange", "assets.add_valuechange"), ("no_depreciate", "assets.depreciate_asset")]:
        people[name] = without(name, tree, missing)
    return World(tree, people, card, idle, vehicle, transfer, disposal)


@dataclass
class Operation:
    """How the page and the API do one operation, who the policy refuses, and that nothing changed."""

    policy: str
    refused: str                    # a user of World.users the policy refuses
    allowed: str                    # a user it lets (for the monkeypatched refusal)
    page: object                    # (client, world) -> response
    api: object                     # (api client, world) -> response
    unchanged: object               # (world) -> bool: nothing was written


def post(url_name, *args, data):
    return lambda client, w: client.post(reverse(url_name, args=[a(w) for a in args]), data(w))


def api_post(path, data, method="post"):
    return lambda api, w: getattr(api, method)(path(w), data(w), format="json")


def card_pk(w):
    return w.card.pk


def status_of(asset):
    return Asset.objects.get(pk=asset.pk).status


OPERATIONS = {
    "card_register": Operation(
        "card_register", "leader", "a_assets",
        post("assets:asset_create", data=lambda w: {
            "owner_unit": w.tree.city_a_agency.pk, "name": "台式计算机", "class_code": "A02010105", "quantity": "1",
            "measure_unit": "台", "count": "1", "status": "in_use", "acquisition_method": "purchase",
            "acquired_on": "2024-01-15", "funding_source": "fiscal", "original_value": "6000.00",
            "dep_method": "straight_line"}),
        api_post(lambda w: "/api/v1/assets/", lambda w: {**DESKTOP, "owner_unit": w.tree.city_a_agency.pk}),
        lambda w: Asset.objects.count() == 5),
    "card_change": Operation(
        "card_change", "leader", "a_assets",
        post("assets:asset_change", card_pk, data=lambda w: {
            "name": w.card.name, "measure_unit": w.card.measure_unit, "status": "in_use",
            "using_unit": w.card.using_unit_id, "location": "档案室"}),
        api_post(lambda w: f"/api/v1/assets/{w.card.pk}/", lambda w: {"location": "档案室"}, method="patch"),
        lambda w: Asset.objects.get(pk=w.card.pk).location != "档案室"),
    "card_issue": Operation(
        "card_issue", "leader", "a_assets",
        post("assets:asset_issue", lambda w: w.idle.pk, data=lambda w: {"user": w.users["a_assets"].pk, "on": TODAY}),
        api_post(lambda w: f"/api/v1/assets/{w.idle.pk}/issue/", lambda w: {"user": w.users["a_assets"].pk}),
        lambda w: status_of(w.idle) == AssetStatus.IDLE),
    "card_return": Operation(
        "card_return", "leader", "a_assets",
        post("assets:asset_return", card_pk, data=lambda w: {"on": TODAY}),
        api_post(lambda w: f"/api/v1/assets/{w.card.pk}/return/", lambda w: {}),
        lambda w: status_of(w.card) == AssetStatus.IN_USE),
    "card_value_adjust": Operation(
        "card_value_adjust", "leader", "a_assets",
        post("assets:asset_value", card_pk, data=lambda w: {"delta": "100.00", "on": TODAY, "reason": "加装内存"}),
        api_post(lambda w: f"/api/v1/assets/{w.card.pk}/value-adjust/",
                 lambda w: {"delta": "100.00", "on": TODAY, "reason": "加装内存"}),
        lambda w: not ValueChange.objects.exists()),
    "value_change_create": Operation(
        "value_change_create", "no_valuechange", "a_assets",
        post("assets:asset_value", card_pk, data=lambda w: {"delta": "100.00", "on": TODAY, "reason": "加装内存"}),
        api_post(lambda w: f"/api/v1/assets/{w.card.pk}/value-adjust/",
                 lambda w: {"delta": "100.00", "on": TODAY, "reason": "加装内存"}),
        lambda w: not ValueChange.objects.exists()),
    "card_repair": Operation(
        "card_repair", "leader", "a_assets",
        post("assets:asset_repair", card_pk, data=lambda w: {"repaired_on": TODAY, "cost": "350.00",
                                                             "result": "更换硬盘"}),
        api_post(lambda w: f"/api/v1/assets/{w.card.pk}/repairs/",
                 lambda w: {"repaired_on": TODAY, "cost": "350.00", "result": "更换硬盘"}),
        lambda w: not RepairRecord.objects.exists()),
    "card_workload": Operation(
        "card_workload", "leader", "a_assets",
        post("assets:asset_workload", lambda w: w.vehicle.pk, data=lambda w: {"period": "2025-02", "workload": "100"}),
        api_post(lambda w: f"/api/v1/assets/{w.vehicle.pk}/workload/",
                 lambda w: {"period": "2025-02", "workload": "100"}),
        lambda w: not WorkloadReading.objects.exists()),
    "transfer_create": Operation(
        "transfer_create", "no_transfer", "a_assets",
        post("assets:transfer_create", data=lambda w: {
            "from_unit": w.tree.city_a_agency.pk, "to_unit": w.tree.city_b_agency.pk, "reason": "调剂",
            "assets": [w.card.pk]}),
        api_post(lambda w: "/api/v1/assets/transfers/",
                 lambda w: {"assets": [w.card.pk], "to_unit": w.tree.city_b_agency.pk, "reason": "调剂"}),
        lambda w: Transfer.objects.count() == 1),
    "disposal_create": Operation(
        "disposal_create", "no_dispose", "a_assets",
        post("assets:disposal_create", data=lambda w: {"unit": w.tree.city_a_agency.pk, "assets": [w.card.pk],
                                                       **SCRAP}),
        api_post(lambda w: "/api/v1/assets/disposals/", lambda w: {"assets": [w.card.pk], **SCRAP}),
        lambda w: Disposal.objects.count() == 1),
    "disposal_record_result": Operation(
        "disposal_record_result", "leader", "a_assets",
        post("assets:disposal_result", lambda w: w.disposal.pk, data=lambda w: {"reply_no": "榕机管〔2026〕1号",
                                                                              "income": "10.00"}),
        api_post(lambda w: f"/api/v1/assets/disposals/{w.disposal.pk}/result/",
                 lambda w: {"reply_no": "榕机管〔2026〕1号", "income": "10.00"}),
        lambda w: Disposal.objects.get(pk=w.disposal.pk).reply_no == ""),
    "configuration_create": Operation(
        "configuration_create", "leader", "a_assets",
        post("assets:configuration_create", data=lambda w: {
            "unit": w.tree.city_a_agency.pk, "item_name": "台式计算机", "class_code": "A02010105", "quantity": "1",
            "unit_price": "4000", "reason": "新进人员", "idle_reason": "闲置电脑配置过低"}),
        api_post(lambda w: "/api/v1/assets/configurations/", lambda w: {
            "unit": w.tree.city_a_agency.pk, "item_name": "台式计算机", "class_code": "A02010105", "quantity": 1,
            "unit_price": "4000", "reason": "新进人员", "idle_reason": "闲置电脑配置过低"}),
        lambda w: not ConfigurationRequest.objects.exists()),
    "depreciation_run": Operation(
        "depreciation_run", "no_depreciate", "a_assets",
        post("assets:run_create", data=lambda w: {"unit": w.tree.city_a.pk, "month": TODAY[:7]}),
        api_post(lambda w: "/api/v1/assets/depreciation/runs/", lambda w: {"unit": w.tree.city_a.pk,
                                                                          "period": TODAY[:7]}),
        lambda w: not DepreciationRun.objects.exists()),
    "transfer_view": Operation(
        "transfer_view", "staff", "a_assets",
        lambda client, w: client.get(w.transfer.get_absolute_url()),
        lambda api, w: api.get(f"/api/v1/assets/transfers/{w.transfer.pk}/"),
        lambda w: True),
}


def refuse(*args, **kwargs):
    raise PermissionDenied(REFUSED)


def refused_by_page(response, message: str) -> bool:
    """A page refuses with 403, or, for a form whose service refused, by showing the refusal on the
    form (core.views.ObjectFormView: the form again, with the message, nothing saved)."""
    if response.status_code == 403:
        return True
    return response.status_code == 200 and message in response.content.decode()


def refusal(policy, user, *args) -> str:
    try:
        policy(user, *args)
    except PermissionDenied as exc:
        return str(exc)
    return ""


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_a_user_the_policy_refuses_is_refused_by_the_page_and_the_api(name, world, client_for, api_client_for):
    operation = OPERATIONS[name]
    user = world.users[operation.refused]
    target = {"card_register": (world.tree.city_a_agency,), "configuration_create": (world.tree.city_a_agency,),
              "depreciation_run": (world.tree.city_a,), "transfer_create": (world.tree.city_a_agency,),
              "disposal_create": (world.tree.city_a_agency,), "transfer_view": (world.transfer,),
              "disposal_record_result": (world.disposal,), "card_issue": (world.idle,),
              "card_workload": (world.vehicle,)}.get(name, (world.card,))
    message = refusal(getattr(policies, name), user, *target)
    assert message                                                      # the policy itself says no
    page = operation.page(client_for(user), world)
    assert refused_by_page(page, message), page.content[:300]
    response = operation.api(api_client_for(user), world)
    assert response.status_code == 403, response.content[:300]
    assert response.json()["error"]["code"] == "permission_denied"
    assert operation.unchanged(world)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_a_refusing_policy_refuses_the_page_and_the_api(name, world, client_for, api_client_for, monkeypatch):
    operation = OPERATIONS[name]
    user = world.users[operation.allowed]
    monkeypatch.setattr(policies, operation.policy, refuse)
    page = operation.page(client_for(user), world)
    assert refused_by_page(page, REFUSED), page.content[:300]
    response = operation.api(api_client_for(user), world)
    assert response.status_code == 403, response.content[:300]
    assert response.json()["error"] == {"code": "permission_denied", "message": REFUSED}
    assert operation.unchanged(world)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_the_allowed_user_passes_the_policy(name, world, client_for, api_client_for):
    """The other side: with the real policy the same requests succeed (so a refusal above is the
    policy's, not a broken request)."""
    operation = OPERATIONS[name]
    user = world.users[operation.allowed]
    page = operation.page(client_for(user), world)
    assert page.status_code in (200, 302), page.content[:300]
    if name == "transfer_view":
        assert operation.api(api_client_for(user), world).status_code == 200
        return
    assert not operation.unchanged(world), "the page did not do it"
    response = operation.api(api_client_for(user), world)
    assert response.status_code in (200, 201, 400, 409), response.content[:300]


def test_the_transfer_form_pdf_asks_the_view_policy(world, client_for, monkeypatch):
    url = reverse("assets:transfer_pdf", args=[world.transfer.pk])
    client = client_for(world.users["a_assets"])
    assert client.get(url).status_code == 200
    assert client_for(world.users["staff"]).get(url).status_code == 403
    monkeypatch.setattr(policies, "transfer_view", refuse)
    assert client.get(url).status_code == 403


# Settings: a page only (no API) ------------------------------------------------------------------


def settings_post(client, tree):
    return client.post(reverse("assets:settings"), {"unit": tree.city_a.pk, "code_pattern": "JA{year}{seq:05d}",
                                                    "start_rule": "next_month"})


def test_settings_refused_by_the_policy_on_the_page(world, client_for, monkeypatch):
    message = refusal(policies.settings_save, world.users["a_assets"], world.tree.city_a)
    assert message
    assert refused_by_page(settings_post(client_for(world.users["a_assets"]), world.tree), message)
    monkeypatch.setattr(policies, "settings_save", refuse)
    assert refused_by_page(settings_post(client_for(world.users["sysadmin"]), world.tree), REFUSED)
    assert not AssetSettings.objects.exists()
    monkeypatch.undo()
    assert settings_post(client_for(world.users["sysadmin"]), world.tree).status_code == 302


# 重新执行 of an asset document's outcome (the workflow's page and API ask the document's policy) --


@pytest.fixture
def undone(world, users, leaders):
    """The transfer approved, its outcome not applied yet (the after-commit task never ran)."""
    with acting_as(leaders["leader"]):
        workflow.request_approve(request=latest_request(world.transfer), actor=leaders["leader"])
    request = latest_request(world.transfer)
    assert workflow.pending_outcome(request) is not None
    return request


def retry_page(client, request):
    response = client.post(reverse("workflow:request_action", args=[request.pk, "retry"]),
                           {"version": request.version})
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_outcome_retry_refused_by_the_policy_on_the_page_and_in_the_api(world, undone, client_for, api_client_for,
                                                                        monkeypatch):
    manager = world.users["a_assets"]   # files transfers, configures no flows
    assert not policies.allows(policies.outcome_retry, manager, undone)
    assert api_client_for(manager).post(f"/api/v1/workflow/requests/{undone.pk}/retry/", {},
                                        format="json").status_code == 403
    monkeypatch.setattr(policies, "outcome_retry", refuse)
    admin = world.users["sysadmin"]     # configures flows over the province: the default would let them
    assert "您没有执行此操作的权限。" in retry_page(client_for(admin), undone)
    response = api_client_for(admin).post(f"/api/v1/workflow/requests/{undone.pk}/retry/", {}, format="json")
    assert response.status_code == 403
    undone.refresh_from_db()
    assert undone.outcome_applied_at is None
    assert Transfer.objects.get(pk=world.transfer.pk).status == "pending"
    monkeypatch.undo()
    assert "业务处理已完成。" in retry_page(client_for(admin), undone)
    assert Transfer.objects.get(pk=world.transfer.pk).status == "completed"
