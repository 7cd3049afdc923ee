"""Issue 16, approvals 4 and acceptance 2: the demo data can finish every flow it shows. Loaded as
``manage.py load_demo`` loads it, each demo business type is filed by each demo applicant and
approved to its end by the demo accounts alone; every unit a demo flow can route to has approvers."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Exists, OuterRef

from jiguan.assets import services
from jiguan.assets.models import Asset, AssetStatus, DisposalItem, DocStatus, TransferItem, ValueChange
from jiguan.core.context import acting_as
from jiguan.org.models import OrgKind, OrgUnit, User
from jiguan.workflow import routing
from jiguan.workflow import services as workflow
from jiguan.workflow.models import ApprovalRequest, Flow, RequestStatus
from jiguan.workflow.selectors import latest_request

ASSET_TYPES = ["assets.purchase", "assets.transfer", "assets.disposal", "assets.value_change"]


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=StringIO())
    return {u.username: u for u in User.objects.all()}


def unit(name):
    return OrgUnit.objects.get(name=name)


def free_cards(owner, count=1, **filters):
    """Cards of ``owner`` that no open document holds, largest first."""
    busy = (Exists(TransferItem.objects.filter(asset=OuterRef("pk"), open=True))
            | Exists(DisposalItem.objects.filter(asset=OuterRef("pk"), open=True))
            | Exists(ValueChange.objects.filter(asset=OuterRef("pk"), status=DocStatus.PENDING)))
    cards = list(Asset.objects.filter(owner_unit=owner, status__in=[AssetStatus.IDLE, AssetStatus.IN_USE], **filters)
                 .exclude(busy).order_by("-original_value", "pk")[:count])
    assert len(cards) == count, f"{owner} has no free card"
    return cards


def approve_to_the_end(document, capture) -> list[str]:
    """Approve the document's request step by step, each time as a demo account that may decide it;
    the usernames in order."""
    request = latest_request(document)
    names = []
    while True:
        request.refresh_from_db()
        if request.status != RequestStatus.PENDING:
            break
        assert not request.stuck_reason, request.stuck_reason
        approver = routing.eligible_approvers(request.current_step, request.approver_unit,
                                              exclude=request.applicant).first()
        assert approver is not None, f"{request.title}: nobody at {request.current_step}"
        approver.clear_permission_cache()
        with capture(execute=True), acting_as(approver):
            workflow.request_approve(request=request, actor=approver, comment="同意")
        names.append(approver.username)
        assert len(names) < 10
    assert request.status == RequestStatus.APPROVED and request.outcome_applied_at, request.outcome_error
    return names


def file_each_type(manager, owner, counterparty, capture) -> dict:
    """File a configuration request, a transfer, a disposal and a value change for ``owner`` as
    ``manager``, each large enough for the flows' conditional steps; walk each to its end."""
    manager.clear_permission_cache()
    transfer_card, disposal_card, change_card = free_cards(owner, 3)
    with acting_as(manager):
        documents = {
            "assets.purchase": services.configuration_create(
                unit=owner, item_name="台式计算机", class_code="A02010105", quantity=12, unit_price=Decimal("5000"),
                reason="新进人员办公", actor=manager, idle_reason="闲置计算机配置不满足业务软件要求"),
            "assets.transfer": services.transfer_create(
                from_unit=owner, to_unit=counterparty, asset_ids=[transfer_card.pk], reason="调剂使用", actor=manager),
            "assets.disposal": services.disposal_create(
                unit=owner, asset_ids=[disposal_card.pk], method="scrap", reason_code="obsolete",
                reason="已达使用年限，无维修价值", actor=manager),
            "assets.value_change": services.value_change_create(
                asset=change_card, delta=Decimal("120000.00"), on=date.today(), reason="改扩建", actor=manager),
        }
    walked = {}
    for code, document in documents.items():
        assert latest_request(document).business_unit == owner
        walked[code] = approve_to_the_end(document, capture)
        document.refresh_from_db()
        assert document.status == DocStatus.COMPLETED, (code, document.status)
    return walked


def test_every_demo_flow_can_finish_from_every_unit_it_can_route_to(demo):
    """Every agency and institution (the units that own cards), every asset business type, amounts
    that take every conditional step, transfers to a unit under another parent: every step that
    applies has an approver other than the applicant."""
    owners = list(OrgUnit.objects.filter(kind__in=[OrgKind.AGENCY, OrgKind.INSTITUTION]).order_by("path"))
    assert len(owners) >= 12
    applicant = demo["prov_assets"]
    checked = 0
    for owner in owners:
        other = next(u for u in owners if u.parent_id != owner.parent_id)
        for code in ASSET_TYPES:
            plan = workflow.route_plan(business_type=code, business_unit=owner, applicant=applicant,
                                       values={"amount": "100000000"},
                                       counterparty_unit=other if code == "assets.transfer" else None)
            assert plan.ok, f"{code} of {owner}: {plan.problem}"
            assert all(row.applies for row in plan.rows)    # every step was exercised
            checked += 1
    assert checked == len(owners) * 4
    assert Flow.objects.filter(business_type__in=ASSET_TYPES).count() == 4


def test_each_demo_applicant_walks_each_business_type_to_its_end(demo, django_capture_on_commit_callbacks):
    walks = {
        ("fz_assets", "福州市教育局", "闽侯县财政局"): {
            "assets.purchase": ["fzedu_leader", "fz_finance"],
            "assets.transfer": ["fzedu_leader", "mhfin_leader", "fz_offices"],
            "assets.disposal": ["fzedu_leader", "fz_offices"],
            "assets.value_change": ["fzedu_leader", "fz_offices"]},
        ("fz_assets", "闽侯县机关事务服务中心", "福州市财政局"): {
            "assets.purchase": ["mhoa_leader", "mh_finance"],
            "assets.transfer": ["mhoa_leader", "fzfin_leader", "mh_offices"],
            "assets.disposal": ["mhoa_leader", "mh_offices"],
            "assets.value_change": ["mhoa_leader", "mh_offices"]},
        ("fzedu_assets", "福州市教育局", "福州市财政局"): {   # same parent: no offices step
            "assets.transfer": ["fzedu_leader", "fzfin_leader"]},
        ("xm_assets", "厦门市卫生健康委员会", "同安区教育局"): {
            "assets.purchase": ["xmhealth_leader", "prov_finance"],
            "assets.transfer": ["xmhealth_leader", "taedu_leader", "xm_offices"],
            "assets.disposal": ["xmhealth_leader", "xm_offices"],
            "assets.value_change": ["xmhealth_leader", "xm_offices"]},
        ("xm_assets", "同安区机关事务管理中心", "厦门市机关事务管理局"): {
            "assets.transfer": ["taoa_leader", "xmoa_leader", "ta_offices"]},
        ("prov_assets", "福建省财政厅", "福州市机关事务管理局"): {
            "assets.purchase": ["provfin_leader", "prov_finance"],
            "assets.transfer": ["provfin_leader", "fzoa_leader", "prov_offices"],
            "assets.disposal": ["provfin_leader", "prov_offices"],
            "assets.value_change": ["provfin_leader", "prov_offices"]},
    }
    for (manager, owner, counterparty), expected in walks.items():
        walked = file_each_type(demo[manager], unit(owner), unit(counterparty), django_capture_on_commit_callbacks)
        for code, names in expected.items():
            assert walked[code] == names, (manager, owner, code, walked[code])

    # The province's building: a disposal of 38.6 million yuan also goes to the finance department.
    building = Asset.objects.get(name="办公楼（1 号楼）")
    manager = demo["prov_assets"]
    with acting_as(manager):
        disposal = services.disposal_create(unit=building.owner_unit, asset_ids=[building.pk], method="scrap",
                                            reason_code="obsolete", reason="危房拆除", actor=manager)
    assert approve_to_the_end(disposal, django_capture_on_commit_callbacks) == [
        "prov_leader", "prov_offices", "prov_finance"]

    # The demo's own waiting requests finish too: the transfer and disposal of 福州市教育局, the
    # standards change request of sysadmin.
    for request in ApprovalRequest.objects.filter(status=RequestStatus.PENDING):
        approve_to_the_end(request.business_object(), django_capture_on_commit_callbacks)
    assert not ApprovalRequest.objects.filter(status=RequestStatus.PENDING).exists()


def test_acceptance_fz_assets_transfers_the_education_bureaus_idle_cards_to_the_end(
        demo, client_for, django_capture_on_commit_callbacks):
    """Acceptance 2, through the pages: as fz_assets, a transfer of 福州市教育局's idle cards is filed and
    approved to the end with the demo accounts alone; a route that cannot finish is refused at submit."""
    edu, target = unit("福州市教育局"), unit("闽侯县财政局")
    manager = demo["fz_assets"]
    card = free_cards(edu, status=AssetStatus.IN_USE)[0]
    with acting_as(manager):
        services.asset_return(asset=card)            # it becomes idle (闲置), ready for reallocation
    idle = free_cards(edu, status=AssetStatus.IDLE)[0]
    form = {"from_unit": edu.pk, "to_unit": target.pk, "reason": "闲置资产调剂给闽侯县财政局使用",
            "assets": [idle.pk]}
    client = client_for(manager)
    preview = client.get("/workflow/route-preview/", {"business_type": "assets.transfer", **form},
                         HTTP_HX_REQUEST="true").content.decode()
    for text in ("刘局长（福州市教育局）", "林局长（闽侯县财政局）", "何审批（福州市机关事务局）"):
        assert text in preview
    response = client.post("/assets/transfers/new/", form)
    assert response.status_code == 302, response.content.decode()
    request = ApprovalRequest.objects.filter(applicant=manager).latest("id")
    assert (request.business_unit, request.current_step.name) == (edu, "调出单位负责人审批")
    for username in ("fzedu_leader", "mhfin_leader", "fz_offices"):
        request.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            page = client_for(demo[username]).post(f"/workflow/requests/{request.pk}/approve/",
                                                   {"version": request.version, "comment": "同意"}, follow=True)
        assert "已同意：" in page.content.decode(), username
    request.refresh_from_db()
    idle.refresh_from_db()
    assert request.status == RequestStatus.APPROVED and idle.owner_unit == target

    # The receiving unit's leader is away (deactivated): the next transfer to it is refused at submit.
    User.objects.filter(username="mhfin_leader").update(is_active=False)
    other = free_cards(edu)[0]
    response = client.post("/assets/transfers/new/", {**form, "assets": [other.pk]})
    assert response.status_code == 200
    assert ("步骤“调入单位负责人确认”找不到审批人（角色：单位负责人，单位：闽侯县财政局），"
            "请联系系统管理员检查审批流程配置或角色授权。") in response.content.decode()
    assert not TransferItem.objects.filter(asset=other).exists()
