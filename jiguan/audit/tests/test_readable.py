"""Readable audit records (issue 19): the audit administrator (审计管理员) reads a change as a table of
field names (名称, 上级单位), names instead of ids, choice labels instead of codes, 是/否, amounts and
dates as everywhere else, with the stored JSON kept under 原始数据; and finds a person's events by
their real name (姓名) as well as by their account."""

from __future__ import annotations

import re
from html import unescape

import pytest

from jiguan.audit.diffs import readable_changes
from jiguan.audit.filters import AuditEventFilter
from jiguan.audit.models import Action, AuditEvent
from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.org import services
from jiguan.org.demo import credit_code
from jiguan.org.models import OrgKind, OrgUnit, Role, User

ROW = re.compile(r'<tr data-key="[^"]*"><th[^>]*>(.*?)</th><td>(.*?)</td><td>(.*?)</td></tr>', re.S)


@pytest.fixture
def chen(tree):
    """陈静, the system administrator whose edits the tests read back."""
    return make_user("chenjing", tree.prov_agency, [("system_admin", tree.province, True)], full_name="陈静")


def last_event(obj) -> AuditEvent:
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("-id")[0]


def detail_rows(client, event) -> list[tuple[str, str, str]]:
    """The change table of the event's page, as (字段, 修改前, 修改后) the way the page reads."""
    response = client.get(f"/audit/{event.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    return [tuple(unescape(cell).strip() for cell in row) for row in ROW.findall(html)]


def rows_of(event) -> list[tuple[str, str, str]]:
    return [(row["label"], row["before"], row["after"]) for row in readable_changes(event)]


# The detail page --------------------------------------------------------------------------------


def test_a_renamed_unit_reads_as_its_field_name_with_the_old_and_new_name(users, tree, chen, client_for):
    with acting_as(chen):
        services.orgunit_update(unit=OrgUnit.objects.get(pk=tree.city_b.pk), name="乙市（合并后）")
    event = last_event(tree.city_b)
    client = client_for(users["auditor"])

    assert detail_rows(client, event) == [("名称", "乙市", "乙市（合并后）")]
    html = client.get(f"/audit/{event.pk}/").content.decode()
    assert "修改的字段" in html
    # The stored JSON is still there for experts, folded away.
    assert re.search(r"<details[^>]*>\s*<summary[^>]*>原始数据</summary>", html)
    assert "&quot;name&quot;: &quot;乙市（合并后）&quot;" in html
    assert "陈静（chenjing）" in html


def test_a_moved_unit_names_its_old_and_new_parent_not_their_ids(users, tree, chen, client_for):
    with acting_as(chen):
        services.orgunit_move(unit=tree.county_a, new_parent=tree.city_b)
    event = last_event(tree.county_a)
    assert event.action == Action.MOVE

    rows = detail_rows(client_for(users["auditor"]), event)
    assert rows[0] == ("上级单位", "甲市", "乙市")
    assert [label for label, _before, _after in rows] == ["上级单位", "路径"]


def test_a_user_moved_to_another_unit_shows_both_units_by_name(users, tree, chen, client_for):
    staff = users["staff"]
    with acting_as(chen):
        services.user_update(user=User.objects.get(pk=staff.pk), unit=tree.city_b_dept)
    event = last_event(staff)

    assert detail_rows(client_for(users["auditor"]), event) == [("所属单位", "甲市资产管理科", "乙市资产管理处")]


def test_a_new_unit_lists_every_field_with_choice_and_yes_no_labels(users, tree, chen, client_for):
    with acting_as(chen):
        unit = services.orgunit_create(parent=tree.city_a, kind=OrgKind.AGENCY, name="甲市财政局",
                                       region_code="350100", credit_code=credit_code(OrgKind.AGENCY, "350100", 77))
    event = last_event(unit)
    assert event.action == Action.CREATE

    rows = {label: (before, after) for label, before, after in detail_rows(client_for(users["auditor"]), event)}
    assert rows["类型"] == ("—", "机关")
    assert rows["名称"] == ("—", "甲市财政局")
    assert rows["上级单位"] == ("—", "甲市")
    assert rows["启用"] == ("—", "是")
    assert "kind" not in rows and "parent_id" not in rows
    assert all(before == "—" for before, _after in rows.values())
    html = client_for(users["auditor"]).get(f"/audit/{event.pk}/").content.decode()
    assert "记录的字段" in html


def test_a_role_grant_and_its_revocation_name_the_user_role_unit_and_grantor(users, tree, chen, client_for):
    target = users["a_assets"]
    with acting_as(chen):
        assignment = services.assignment_grant(user=target, role=Role.objects.get(code="asset_manager"),
                                               unit=tree.county_a, include_descendants=False, granted_by=chen)
    granted = last_event(assignment)
    role_name = Role.objects.get(code="asset_manager").name
    client = client_for(users["auditor"])

    rows = {label: after for label, _before, after in detail_rows(client, granted)}
    assert rows["用户"] == str(target)
    assert rows["角色"] == role_name
    assert rows["管理范围单位"] == "甲县"
    assert rows["含下级单位"] == "否"
    assert rows["授权人"] == "陈静"

    with acting_as(chen):
        services.assignment_revoke(assignment=assignment)
    revoked = AuditEvent.objects.filter(object_type="org.roleassignment").order_by("-id")[0]
    rows = {label: (before, after) for label, before, after in detail_rows(client, revoked)}
    assert rows["角色"] == (role_name, "—")
    assert rows["管理范围单位"] == ("甲县", "—")


def test_a_record_without_snapshots_has_no_change_table(users, client_for):
    from jiguan.audit import services as audit

    event = audit.record(Action.EXPORT, actor=users["auditor"], object_type_label="org.orgunit", object_repr="导出")
    response = client_for(users["auditor"]).get(f"/audit/{event.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert ROW.findall(html) == []
    assert "原始数据" not in html and "修改的字段" not in html


# readable_changes, one record at a time ----------------------------------------------------------


def test_an_update_shows_only_what_changed_and_keys_of_unknown_models_stay_raw(db):
    event = AuditEvent(object_type="gone.widget", action=Action.UPDATE,
                       before={"colour": "red", "size": 3, "done": False},
                       after={"colour": "blue", "size": 3, "done": True})
    assert rows_of(event) == [("colour", "red", "blue"), ("done", "否", "是")]


def test_a_row_removed_since_reads_as_deleted_with_its_id(tree):
    event = AuditEvent(object_type="org.user", action=Action.UPDATE,
                       before={"unit_id": 987654}, after={"unit_id": tree.city_a.pk})
    assert rows_of(event) == [("所属单位", "（已删除）#987654", "甲市")]


def test_amounts_choices_booleans_and_dates_read_as_on_every_page(db):
    step = AuditEvent(object_type="workflow.flowstep", action=Action.UPDATE,
                      before={"condition_value": "1234567.5", "unit_kind": "city", "skip_if_same_parent": False},
                      after={"condition_value": "2000000.00", "unit_kind": "agency", "skip_if_same_parent": True})
    assert rows_of(step) == [("单位类型", "市级", "机关"), ("条件值", "1,234,567.50", "2,000,000.00"),
                             ("双方同一上级时跳过", "否", "是")]

    entry = AuditEvent(object_type="core.historyentry", action=Action.CREATE, after={"occurred_on": "2026-03-05"})
    assert rows_of(entry) == [("业务日期", "—", "2026-03-05")]

    # A moment in local time (Asia/Shanghai), not the stored UTC.
    locked = AuditEvent(object_type="org.user", action=Action.UPDATE,
                        before={"locked_until": None}, after={"locked_until": "2026-12-03T01:00:00Z"})
    assert rows_of(locked) == [("锁定至", "—", "2026-12-03 09:00:00")]


def test_foreign_keys_are_resolved_in_one_query_per_related_model(users, tree, chen, django_assert_num_queries):
    role = Role.objects.get(code="asset_manager")
    event = AuditEvent(object_type="org.roleassignment", action=Action.UPDATE,
                       before={"user_id": users["staff"].pk, "role_id": role.pk, "unit_id": tree.city_a.pk,
                               "granted_by_id": None},
                       after={"user_id": users["a_assets"].pk, "role_id": role.pk, "unit_id": tree.city_b.pk,
                              "granted_by_id": chen.pk})
    # Users (用户 and 授权人 together) and units: two queries; the unchanged role is not looked up.
    with django_assert_num_queries(2):
        rows = rows_of(event)
    assert rows == [("用户", str(users["staff"]), str(users["a_assets"])), ("管理范围单位", "甲市", "乙市"),
                    ("授权人", "—", "陈静")]


# The list: object types and the search by name ------------------------------------------------------


def test_the_object_type_reads_in_chinese_in_the_list_and_its_filter(users, tree, chen, client_for):
    with acting_as(chen):
        services.orgunit_update(unit=OrgUnit.objects.get(pk=tree.city_b.pk), short_name="乙")
    response = client_for(users["auditor"]).get("/audit/", {"object_type": "org.orgunit"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "组织机构" in html
    assert re.search(r'<option value="org\.orgunit"[^>]*>组织机构</option>', html)
    choices = dict(AuditEventFilter().filters["object_type"].extra["choices"]())
    assert choices["org.orgunit"] == "组织机构"
    assert choices["org.roleassignment"] == "角色授权"
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in choices.values())


def page_ids(client, **params) -> set[int]:
    response = client.get("/audit/", params)
    assert response.status_code == 200
    assert not response.context["filterset"].errors
    return {row["object"].pk for row in response.context["rows"]}


def test_the_log_is_searched_by_real_name_as_well_as_by_account(users, tree, chen, client_for, api_client_for):
    with acting_as(chen):
        services.orgunit_update(unit=OrgUnit.objects.get(pk=tree.city_b.pk), short_name="乙")
        services.orgunit_update(unit=OrgUnit.objects.get(pk=tree.city_a.pk), short_name="甲")
    with acting_as(users["sysadmin"]):
        services.orgunit_update(unit=OrgUnit.objects.get(pk=tree.county_b.pk), short_name="乙县")
    chens = set(AuditEvent.objects.filter(actor_id=chen.pk).values_list("id", flat=True))
    assert len(chens) == 2
    client = client_for(users["auditor"])

    assert page_ids(client, actor="陈静") == chens
    assert page_ids(client, actor="陈") == chens
    assert page_ids(client, actor="CHENJING") == chens
    assert page_ids(client, actor="王芳") == set()
    response = api_client_for(users["auditor"]).get("/api/v1/audit/events/", {"actor": "陈静"})
    assert {row["id"] for row in response.json()["results"]} == chens
    # The list names the person, with the account beside the name.
    html = client.get("/audit/", {"actor": "陈静"}).content.decode()
    assert "陈静（chenjing）" in html


def test_a_name_search_filters_the_log_by_user_ids_without_joining_users(chen):
    queryset = AuditEventFilter({"actor": "陈静"}, queryset=AuditEvent.objects.all()).qs
    sql = str(queryset.query)
    assert "JOIN" not in sql.upper()
    assert f"IN ({chen.pk})" in sql
