"""Approval flows in the browser (issue 3, acceptance 1): the system administrator configures a
three-step flow (unit head → city offices administration → finance, the last only when the amount
is at least 500,000 yuan) through the UI; two requests, of 300,000 and 600,000 yuan, then walk it
differently. Plus the refusals a user can meet, and the pages on a phone.

No module offers a page to start a ``test.purchase``: the requests are started through the service,
as a module would. Fixtures of jiguan/workflow/tests/conftest.py are not visible here, so the
business type, the units and the people are set up again below."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.org import services as org_services
from jiguan.org.models import OrgKind, Role
from jiguan.tests_browser.conftest import login, logout, shot
from jiguan.tests_browser.pickers import pick
from jiguan.workflow import registry, services
from jiguan.workflow.models import (
    ActionKind,
    ApprovalRequest,
    ApproverRelation,
    Flow,
    FlowStep,
    Operator,
    RequestStatus,
)

pytestmark = pytest.mark.browser

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
FLOW_NAME = "采购审批（甲市）"
STEPS = ["单位负责人审批", "市机关事务局审核", "财政审核"]
OUTCOMES: list[tuple[int, str]] = []


def record_outcome(obj, outcome):
    OUTCOMES.append((obj.pk, outcome))


@pytest.fixture
def purchase_type():
    OUTCOMES.clear()
    btype = registry.register(registry.BusinessType(
        code="test.purchase", label="测试采购申请", model="org.OrgUnit",
        on_outcome=record_outcome, fields={"amount": "金额（元）"}))
    yield btype
    registry.unregister("test.purchase")


@pytest.fixture
def city_units(tree):
    with acting_as(None):
        edu = org_services.orgunit_create(parent=tree.city_a, kind=OrgKind.AGENCY, name="甲市教育局",
                                          region_code="350100")
        office = org_services.orgunit_create(parent=edu, kind=OrgKind.DEPARTMENT, name="甲市教育局办公室")
        finance = org_services.orgunit_create(parent=tree.city_a, kind=OrgKind.AGENCY, name="甲市财政局",
                                              region_code="350100")
    return {"edu": edu, "office": office, "finance": finance, "offices": tree.city_a_agency}


@pytest.fixture
def people(city_units, tree):
    u = city_units
    return {
        "applicant": make_user("applicant", u["office"], [("staff", u["office"], False)], full_name="孙明"),
        "leader": make_user("leader", u["edu"], [("unit_leader", u["edu"], True)], full_name="周强"),
        "leader2": make_user("leader2", u["edu"], [("unit_leader", u["edu"], True)], full_name="吴敏"),
        "offices": make_user("offices", u["offices"], [("offices_approver", u["offices"], False)],
                             full_name="郑洁"),
        "finance": make_user("finance", u["finance"], [("finance_approver", u["finance"], False)],
                             full_name="钱亮"),
        "outsider": make_user("outsider", tree.city_b_agency, [("unit_leader", tree.city_b_agency, True)],
                              full_name="冯刚"),
    }


@pytest.fixture
def three_step_flow(purchase_type, tree, people):
    """The flow as test 1 configures it in the UI, for the tests that are about something else."""
    with acting_as(None):
        flow = Flow.objects.create(business_type="test.purchase", name=FLOW_NAME, unit=tree.city_a)
        FlowStep.objects.create(flow=flow, order=1, name=STEPS[0], approver_role=Role.objects.get(code="unit_leader"),
                                relation=ApproverRelation.SAME_UNIT)
        FlowStep.objects.create(flow=flow, order=2, name=STEPS[1],
                                approver_role=Role.objects.get(code="offices_approver"),
                                relation=ApproverRelation.NEAREST_NAMED, unit_keyword="机关事务")
        FlowStep.objects.create(flow=flow, order=3, name=STEPS[2],
                                approver_role=Role.objects.get(code="finance_approver"),
                                relation=ApproverRelation.NEAREST_NAMED, unit_keyword="财政",
                                condition_field="amount", condition_operator=Operator.GTE,
                                condition_value=Decimal("500000"))
    return flow


def start(people, obj, amount):
    """What a module's service does when its user submits: attach a request to the object."""
    return services.request_start(business_type="test.purchase", obj=obj, applicant=people["applicant"],
                                  title=f"采购台式计算机（{amount} 元）", values={"amount": str(amount)})


@pytest.fixture
def two_requests(three_step_flow, people, city_units):
    return start(people, city_units["edu"], 300000), start(people, city_units["office"], 600000)


# Helpers -----------------------------------------------------------------------------------------


def add_step(page, name, role, relation, keyword="", condition=None, screenshot=None):
    page.click("#add-step")
    expect(page.locator("h1")).to_have_text("添加步骤")
    page.fill("#id_name", name)
    page.select_option("#id_approver_role", label=role)
    page.select_option("#id_relation", label=relation)
    if keyword:
        page.fill("#id_unit_keyword", keyword)
    if condition:
        field, operator, value = condition
        page.select_option("#id_condition_field", label=field)
        page.select_option("#id_condition_operator", label=operator)
        page.fill("#id_condition_value", value)
    if screenshot:
        shot(page, screenshot)
    page.click("#submit")
    expect(page.locator(".alert-success")).to_contain_text("步骤已保存。")
    expect(page.locator("#steps")).to_contain_text(name)


def preview(page, unit, amount):
    pick(page, "id_unit", unit.name)
    page.fill("#id_amount", str(amount))
    page.locator("#preview-form").get_by_role("button", name="试算").click()
    expect(page.locator("#id_amount")).to_have_value(str(amount))
    return page.locator("#preview > li")


def open_request(page, live_server, req):
    page.goto(live_server.url + req.get_absolute_url())
    expect(page.locator("h1")).to_contain_text(req.title)


def approve(page, comment):
    page.fill("#id_comment", comment)
    page.click("#approve")
    expect(page.locator(".alert-success")).to_contain_text("已同意：")


def todo_badge(page):
    return page.locator("#sidebar").get_by_role("link", name="我的待办").locator(".badge")


def timeline_entries(page):
    return page.locator("#timeline > li")


# 1 and 2: configure in the UI, then two requests walk the flow differently -------------------------


def test_flow_configured_in_the_ui_routes_two_requests_by_amount(page, live_server, users, tree, purchase_type,
                                                                 people, city_units):
    # 1. The system administrator configures the flow.
    login(page, live_server, "sysadmin")
    page.locator("#sidebar").get_by_role("link", name="审批流程配置").click()
    expect(page.locator("h1")).to_have_text("审批流程配置")
    page.click("#create-link")
    page.select_option("#id_business_type", label="测试采购申请")
    page.fill("#id_name", FLOW_NAME)
    pick(page, "id_unit", tree.city_a.name)
    expect(page.locator("#id_is_active")).to_be_checked()
    shot(page, "workflow-flow-form")
    page.click("#submit")
    expect(page.locator(".alert-success")).to_contain_text("流程已创建，请添加审批步骤。")
    expect(page.locator("h1")).to_contain_text(FLOW_NAME)
    expect(page.get_by_text("还没有审批步骤。没有步骤的流程提交即通过。")).to_be_visible()

    add_step(page, STEPS[0], "单位负责人", "申请单位")
    add_step(page, STEPS[1], "机关事务审批人", "最近的名称含关键字的单位", keyword="机关事务")
    add_step(page, STEPS[2], "财政审核人", "最近的名称含关键字的单位", keyword="财政",
             condition=("金额（元）", "≥", "500000"), screenshot="workflow-step-form")
    rows = page.locator("#steps tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("单位负责人")
    expect(rows.nth(0)).to_contain_text("总是")
    expect(rows.nth(1)).to_contain_text("最近的名称含关键字的单位：“机关事务”")
    expect(rows.nth(2)).to_contain_text("财政审核人")
    expect(rows.nth(2).locator("td").nth(4)).to_have_text("金额 ≥ 500000")

    # 试算: the finance step is struck through (跳过) for 300,000 yuan, not for 600,000.
    steps = preview(page, city_units["edu"], 300000)
    expect(steps).to_have_count(3)
    expect(steps.nth(0)).to_contain_text("甲市教育局（周强、吴敏）")
    expect(steps.nth(1)).to_contain_text("甲市机关事务管理局（郑洁）")
    expect(steps.nth(2)).to_have_text("财政审核（跳过）")
    expect(steps.nth(2)).to_have_class("text-muted text-decoration-line-through")
    shot(page, "workflow-flow-detail")
    steps = preview(page, city_units["edu"], 600000)
    expect(steps.nth(2)).to_have_text("财政审核 → 甲市财政局（钱亮）")
    expect(steps.nth(2)).not_to_have_class("text-muted text-decoration-line-through")
    shot(page, "workflow-flow-preview-large")
    page.locator(".breadcrumb").get_by_role("link", name="审批流程配置").click()
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("table tbody")).to_contain_text("测试采购申请")
    shot(page, "workflow-flow-list")
    logout(page)

    flow = Flow.objects.get(name=FLOW_NAME)
    assert [s.name for s in flow.steps.order_by("order")] == STEPS

    # 2. The applicant's module starts two requests.
    small, large = start(people, city_units["edu"], 300000), start(people, city_units["office"], 600000)

    # The unit leader: two to-dos, approve both with a comment.
    login(page, live_server, "leader")
    expect(todo_badge(page)).to_have_text("2")
    page.locator("#sidebar").get_by_role("link", name="我的待办").click()
    expect(page.locator("h1")).to_have_text("我的待办")
    todo = page.locator("table tbody tr")
    expect(todo).to_have_count(2)
    expect(todo.nth(0)).to_contain_text(STEPS[0])
    shot(page, "workflow-todo")
    for req in (small, large):
        page.locator("#sidebar").get_by_role("link", name="我的待办").click()
        page.get_by_role("link", name=req.title).click()
        expect(page.locator("#current-step")).to_contain_text(f"{STEPS[0]}（甲市教育局）")
        expect(page.locator("#decision-card")).to_be_visible()
        if req is large:
            shot(page, "workflow-request-decision")
        approve(page, "同意采购，请按规定程序办理。")
        expect(page.locator("#current-step")).to_contain_text(f"{STEPS[1]}（甲市机关事务管理局）")
        expect(page.locator("#decision-card")).to_have_count(0)
    expect(todo_badge(page)).to_have_count(0)
    logout(page)

    # The city offices administration approves both; the small one is then done.
    login(page, live_server, "offices")
    expect(todo_badge(page)).to_have_text("2")
    for req in (small, large):
        open_request(page, live_server, req)
        approve(page, "经审核，符合配置标准。")
    open_request(page, live_server, small)
    expect(page.locator("#request-status")).to_have_text("已通过")
    skipped = timeline_entries(page).filter(has_text="自动跳过")
    expect(skipped).to_have_count(1)
    expect(skipped).to_contain_text(STEPS[2])
    expect(skipped).to_contain_text("不满足条件 金额（元） ≥ 500000，自动跳过")
    expect(timeline_entries(page)).to_have_count(4)  # 提交, 同意, 同意, 自动跳过
    shot(page, "workflow-request-finished")
    open_request(page, live_server, large)
    expect(page.locator("#request-status")).to_have_text("审批中")
    expect(page.locator("#current-step")).to_contain_text(f"{STEPS[2]}（甲市财政局）")
    logout(page)

    # Finance: only the large request waits; approve it.
    login(page, live_server, "finance")
    expect(todo_badge(page)).to_have_text("1")
    page.locator("#sidebar").get_by_role("link", name="我的待办").click()
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("table tbody")).not_to_contain_text(small.title)
    page.get_by_role("link", name=large.title).click()
    approve(page, "同意，纳入年度预算。")
    expect(page.locator("#request-status")).to_have_text("已通过")
    kinds = timeline_entries(page).locator("strong")
    expect(kinds).to_have_text(["提交", "同意", "同意", "同意"])
    expect(timeline_entries(page).nth(3)).to_contain_text("钱亮")
    expect(timeline_entries(page).nth(3)).to_contain_text("同意，纳入年度预算。")

    small.refresh_from_db()
    large.refresh_from_db()
    assert (small.status, large.status) == (RequestStatus.APPROVED, RequestStatus.APPROVED)
    assert small.actions.filter(kind=ActionKind.SKIP, step_name=STEPS[2]).exists()
    assert not large.actions.filter(kind=ActionKind.SKIP).exists()
    assert sorted(OUTCOMES) == sorted([(city_units["edu"].pk, "approved"), (city_units["office"].pk, "approved")])
    logout(page)

    # 审批查询: the unit leader's data scope (甲市教育局 and below) holds both, now finished.
    login(page, live_server, "leader")
    page.locator("#sidebar").get_by_role("link", name="审批查询").click()
    expect(page.locator("h1")).to_have_text("审批查询")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("已通过")
    expect(rows.nth(1)).to_contain_text("已通过")
    shot(page, "workflow-request-list")


def test_the_step_form_explains_what_is_missing(page, live_server, users, three_step_flow):
    login(page, live_server, "sysadmin")
    page.goto(live_server.url + three_step_flow.get_absolute_url())
    page.click("#add-step")
    expect(page.locator("#id_order")).to_have_value("4")
    page.fill("#id_name", "分管领导审批")
    page.select_option("#id_approver_role", label="单位负责人")
    page.select_option("#id_relation", label="最近的名称含关键字的单位")
    page.select_option("#id_condition_field", label="金额（元）")
    page.click("#submit")
    expect(page.locator("#form-errors")).to_have_text("未保存：请按下方红色提示修改后重新提交。")
    expect(page.locator("#id_unit_keyword ~ .invalid-feedback")).to_have_text("请填写单位名称关键字。")
    expect(page.locator("#id_condition_value ~ .invalid-feedback")).to_have_text(
        "设置条件时须同时选择比较方式并填写条件值。")
    expect(page.locator("#id_name")).to_have_value("分管领导审批")
    shot(page, "workflow-step-form-error")
    assert three_step_flow.steps.count() == 3


def test_a_step_nobody_can_approve_is_reported(page, live_server, users, people, city_units, two_requests):
    from jiguan.org.models import RoleAssignment

    _, large = two_requests
    services.request_approve(request=ApprovalRequest.objects.get(pk=large.pk), actor=people["leader"])
    RoleAssignment.objects.filter(user=people["finance"]).delete()  # finance's approver was moved away

    # The administrator's 试算 shows it before anyone is stuck ...
    login(page, live_server, "sysadmin")
    page.goto(live_server.url + large.flow.get_absolute_url())
    steps = preview(page, city_units["edu"], 600000)
    expect(steps.nth(2).locator(".text-danger")).to_have_text("无审批人")
    logout(page)

    # ... and the approver before it is told why the request cannot move on.
    login(page, live_server, "offices")
    open_request(page, live_server, large)
    page.fill("#id_comment", "同意。")
    page.click("#approve")
    expect(page.locator(".alert-danger")).to_contain_text(
        "步骤“财政审核”找不到审批人（角色：财政审核人，单位：甲市财政局），请联系系统管理员检查审批流程配置或角色授权。")
    expect(page.locator("#current-step")).to_contain_text(STEPS[1])
    shot(page, "workflow-no-approver")
    assert ApprovalRequest.objects.get(pk=large.pk).current_step.name == STEPS[1]


# 3. What users are refused ------------------------------------------------------------------------


def test_a_leader_of_city_b_gets_the_not_found_page(page, live_server, users, people, two_requests):
    small, _ = two_requests
    login(page, live_server, "outsider")
    response = page.goto(live_server.url + small.get_absolute_url())
    assert response.status == 404
    expect(page.locator("main")).to_contain_text("页面不存在")
    expect(page.locator("main")).to_contain_text("您要找的页面或记录不存在，或不在您的数据范围内。")
    expect(page.locator("main")).not_to_contain_text(small.title)
    expect(todo_badge(page)).to_have_count(0)


def test_the_applicant_may_withdraw_but_not_approve(page, live_server, users, people, two_requests):
    small, _ = two_requests
    login(page, live_server, "applicant")
    page.locator("#sidebar").get_by_role("link", name="我的申请").click()
    expect(page.locator("h1")).to_have_text("我的申请")
    expect(page.locator("table tbody tr")).to_have_count(2)
    shot(page, "workflow-mine")
    page.get_by_role("link", name=small.title).click()
    expect(page.locator("#request-status")).to_have_text("审批中")
    expect(page.locator("#approve")).to_have_count(0)
    expect(page.locator("#decision-card")).to_have_count(0)
    expect(page.locator("#withdraw")).to_have_text("撤回申请")
    expect(page.get_by_text("当前可审批人：周强、吴敏")).to_be_visible()
    shot(page, "workflow-request-applicant")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#withdraw")
    expect(page.locator(".alert-success")).to_contain_text("申请已撤回。")
    expect(page.locator("#request-status")).to_have_text("已撤回")
    expect(page.locator("#withdraw")).to_have_count(0)
    assert ApprovalRequest.objects.get(pk=small.pk).status == RequestStatus.WITHDRAWN


def test_reject_without_a_reason_is_refused_and_changes_nothing(page, live_server, users, people, two_requests):
    _, large = two_requests
    login(page, live_server, "leader")
    open_request(page, live_server, large)
    page.click("#reject")
    expect(page.locator(".alert-danger")).to_contain_text("驳回必须填写理由。")
    expect(page.locator("#request-status")).to_have_text("审批中")
    expect(page.locator("#current-step")).to_contain_text(STEPS[0])
    expect(timeline_entries(page)).to_have_count(1)
    shot(page, "workflow-reject-needs-reason")
    fresh = ApprovalRequest.objects.get(pk=large.pk)
    assert (fresh.status, fresh.version, fresh.actions.count()) == (RequestStatus.PENDING, large.version, 1)

    # With a reason it goes through.
    page.fill("#id_comment", "预算不足，本年度暂缓。")
    page.click("#reject")
    expect(page.locator(".alert-success")).to_contain_text("已驳回。")
    expect(page.locator("#request-status")).to_have_text("已驳回")
    expect(timeline_entries(page).nth(1)).to_contain_text("预算不足，本年度暂缓。")


def test_a_decision_on_a_stale_page_is_refused(page, live_server, users, people, two_requests):
    small, _ = two_requests
    login(page, live_server, "leader")
    open_request(page, live_server, small)
    # Meanwhile the other unit head decides.
    services.request_approve(request=ApprovalRequest.objects.get(pk=small.pk), actor=people["leader2"])
    page.fill("#id_comment", "同意。")
    page.click("#approve")
    expect(page.locator(".alert-danger")).to_contain_text("该申请已被他人处理或已变化，请刷新后查看最新状态。")
    expect(page.locator("#current-step")).to_contain_text(STEPS[1])
    expect(timeline_entries(page)).to_have_count(2)
    expect(timeline_entries(page).nth(1)).to_contain_text("吴敏")
    shot(page, "workflow-stale")


def test_the_bell_counts_unread_messages_and_lists_the_to_dos(page, live_server, users, people, two_requests):
    small, large = two_requests
    login(page, live_server, "leader")
    expect(page.locator("#unread-count")).to_have_text("2")
    page.click("#notifications-link")
    expect(page.locator("h1")).to_have_text("消息")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(f"待办：{large.title}")
    expect(rows.nth(1)).to_contain_text(f"待办：{small.title}")
    expect(rows.nth(0)).to_contain_text(f"请审批（{STEPS[0]}）。申请人：孙明")
    shot(page, "workflow-notifications")

    # Opening a message marks it read and leads to the request.
    rows.nth(1).get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text(small.title)
    expect(page.locator("#unread-count")).to_have_text("1")
    page.click("#notifications-link")
    page.click("#mark-all-read")
    expect(page.locator(".alert-success")).to_contain_text("已将 1 条消息标为已读。")
    expect(page.locator("#unread-count")).to_have_count(0)


# 4. On a phone ----------------------------------------------------------------------------------


def test_to_do_list_and_decision_on_a_phone(phone_page, live_server, users, people, two_requests):
    page = phone_page
    _, large = two_requests
    login(page, live_server, "leader")
    page.get_by_role("button", name="菜单").tap()
    page.locator("#sidebar").get_by_role("link", name="我的待办").tap()
    expect(page.locator("h1")).to_have_text("我的待办")
    expect(page.locator("table tbody tr")).to_have_count(2)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shot(page, "phone-workflow-todo")

    page.get_by_role("link", name=large.title).tap()
    expect(page.locator("h1")).to_contain_text(large.title)
    for button in ("#approve", "#reject", "#return"):
        expect(page.locator(button)).to_be_visible()
        box = page.locator(button).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (button, box)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shot(page, "phone-workflow-request")

    page.fill("#id_comment", "同意。")
    page.locator("#approve").tap()
    expect(page.locator(".alert-success")).to_contain_text("已同意：")
    expect(page.locator("#current-step")).to_contain_text(STEPS[1])


# 5. From the home page ---------------------------------------------------------------------------


def test_an_approver_decides_on_the_home_page_and_stays_there(page, live_server, people, two_requests):
    """The unit leader opens Jiguan: 我的待办 lists both requests with their amounts; 同意 on the first
    keeps them on the home page, says so, and leaves the other one; the cleared 待办 message is read."""
    first, second = two_requests
    login(page, live_server, "leader")
    panel = page.locator("#panel-workflowtodo")
    items = panel.locator(".home-todo-item")
    expect(items).to_have_count(2)
    expect(panel).to_contain_text("300,000.00 元")
    expect(panel).to_contain_text("600,000.00 元")
    expect(panel).to_contain_text("孙明（甲市教育局办公室）")
    shot(page, "home-todo")
    with page.expect_navigation():
        page.click(f"#todo-approve-{first.pk}")
    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator(".alert-success")).to_contain_text(f"已同意：{first.title}。")
    expect(items).to_have_count(1)
    expect(panel.locator(f"#todo-{second.pk}")).to_be_visible()
    first.refresh_from_db()
    assert first.current_step.name == STEPS[1]
