"""Organisation units: the tree (paths, depth, moves) and the validation of their identifiers,
through the services, the pages and the API. Writes are made by the system administrator."""

import re

import pytest
from django.core.exceptions import ValidationError

from jiguan.audit.models import Action, AuditEvent
from jiguan.core.context import acting_as
from jiguan.org import services
from jiguan.org.models import OrgKind, OrgUnit

VALID_CODES = ["91350100M000100Y43", "123502001549897397"]
BAD_CHECK = "91350100M000100Y44"  # the first valid example with a wrong check character
BAD_CHECK_REASON = "统一社会信用代码校验位错误：第 18 位应为 3，实际为 4。"
MOVE_REFUSED = "不能把单位移动到它自己或它的下级单位之下。"


def fresh(unit):
    return OrgUnit.objects.get(pk=unit.pk)


def as_sysadmin(users):
    return acting_as(users["sysadmin"], channel="command")


# Paths and depth -------------------------------------------------------------------------------


def test_created_units_get_materialized_path_and_depth(tree):
    p = tree
    assert fresh(p.province).path == f"/{p.province.pk}/"
    assert fresh(p.province).depth == 0
    assert fresh(p.city_a).path == f"/{p.province.pk}/{p.city_a.pk}/"
    assert fresh(p.city_a).depth == 1
    dept = fresh(p.city_a_dept)
    assert dept.path == f"/{p.province.pk}/{p.city_a.pk}/{p.city_a_agency.pk}/{p.city_a_dept.pk}/"
    assert dept.depth == 3
    assert [u.name for u in dept.ancestors()] == ["测试省", "甲市", "甲市机关事务管理局"]
    assert set(OrgUnit.objects.subtree(p.city_a).values_list("name", flat=True)) == {
        "甲市", "甲市机关事务管理局", "甲市资产管理科", "甲县", "甲县财政局"}


def test_creating_a_unit_through_the_service_is_audited(users, tree):
    with as_sysadmin(users):
        unit = services.orgunit_create(parent=tree.city_a, kind=OrgKind.AGENCY, name="甲市教育局",
                                       region_code="350100", credit_code=VALID_CODES[0])
    unit = fresh(unit)
    assert unit.path == f"{tree.city_a.path}{unit.pk}/" and unit.depth == 2
    event = AuditEvent.objects.get(object_type="org.orgunit", object_id=str(unit.pk))
    assert event.action == Action.CREATE
    assert event.actor == users["sysadmin"]
    assert event.after["credit_code"] == VALID_CODES[0]


def test_second_root_is_refused(users, tree):
    with as_sysadmin(users), pytest.raises(ValidationError) as excinfo:
        services.orgunit_create(parent=None, kind=OrgKind.PROVINCE, name="另一个省", region_code="360000")
    assert excinfo.value.message_dict["parent"] == ["一个平台只有一个顶级单位，请选择上级单位。"]
    assert OrgUnit.objects.filter(depth=0).count() == 1
    assert not OrgUnit.objects.filter(name="另一个省").exists()


def test_second_root_is_refused_in_the_api(users, tree, api_client_for):
    # A unit without a parent lies outside every scope: refused before the service is reached.
    response = api_client_for(users["sysadmin"]).post(
        "/api/v1/org/units/", {"kind": "province", "name": "另一个省", "region_code": "360000"})
    assert response.status_code == 403
    assert response.json()["error"] == {"code": "permission_denied", "message": "所选单位不在您的数据范围内。"}
    assert not OrgUnit.objects.filter(name="另一个省").exists()


# Moving ----------------------------------------------------------------------------------------


def test_move_carries_the_whole_subtree(users, tree):
    p = tree
    before_ids = set(OrgUnit.objects.subtree(p.county_a).values_list("pk", flat=True))
    with as_sysadmin(users):
        services.orgunit_move(unit=p.county_a, new_parent=p.city_b)
    county, agency = fresh(p.county_a), fresh(p.county_a_agency)
    assert county.parent_id == p.city_b.pk
    assert county.path == f"/{p.province.pk}/{p.city_b.pk}/{p.county_a.pk}/"
    assert agency.path == f"{county.path}{agency.pk}/"
    assert (county.depth, agency.depth) == (2, 3)
    # The county now belongs to city B's subtree, and no longer to city A's.
    assert before_ids <= set(OrgUnit.objects.subtree(fresh(p.city_b)).values_list("pk", flat=True))
    assert not before_ids & set(OrgUnit.objects.subtree(fresh(p.city_a)).values_list("pk", flat=True))
    # Units outside the moved subtree are untouched.
    assert fresh(p.city_a_dept).path == f"/{p.province.pk}/{p.city_a.pk}/{p.city_a_agency.pk}/{p.city_a_dept.pk}/"


def test_move_changes_depth_of_grandchildren(users, tree):
    """Moving city A's agency under the county pushes its department one level deeper."""
    p = tree
    with as_sysadmin(users):
        services.orgunit_move(unit=p.city_a_agency, new_parent=p.county_a)
    agency, dept = fresh(p.city_a_agency), fresh(p.city_a_dept)
    assert agency.depth == 3 and dept.depth == 4
    assert dept.path == f"/{p.province.pk}/{p.city_a.pk}/{p.county_a.pk}/{p.city_a_agency.pk}/{p.city_a_dept.pk}/"
    assert [u.name for u in dept.ancestors()] == ["测试省", "甲市", "甲县", "甲市机关事务管理局"]


def test_move_is_one_audit_record_with_action_move(users, tree):
    p = tree
    old_path = fresh(p.city_a_agency).path
    last = AuditEvent.objects.order_by("-id").first().id
    with as_sysadmin(users):
        services.orgunit_move(unit=p.city_a_agency, new_parent=p.city_b)
    new = list(AuditEvent.objects.filter(id__gt=last))
    assert len(new) == 1, [e.action for e in new]
    event = new[0]
    assert event.action == Action.MOVE
    assert event.actor == users["sysadmin"]
    assert (event.object_type, event.object_id) == ("org.orgunit", str(p.city_a_agency.pk))
    assert event.before == {"parent": p.city_a.pk, "path": old_path}
    assert event.after == {"parent": p.city_b.pk, "path": fresh(p.city_a_agency).path}


@pytest.mark.parametrize("target", ["city_a", "county_a", "county_a_agency"])
def test_move_under_itself_or_a_descendant_is_refused_by_the_service(users, tree, target):
    p = tree
    paths_before = dict(OrgUnit.objects.values_list("pk", "path"))
    with as_sysadmin(users), pytest.raises(ValidationError) as excinfo:
        services.orgunit_move(unit=p.city_a, new_parent=getattr(p, target))
    assert excinfo.value.message_dict == {"parent": [MOVE_REFUSED]}
    assert dict(OrgUnit.objects.values_list("pk", "path")) == paths_before
    assert not AuditEvent.objects.filter(action=Action.MOVE).exists()


def test_move_page_moves_the_unit(users, tree, client_for):
    p = tree
    client = client_for(users["sysadmin"])
    page = client.get(f"/org/units/{p.county_a.pk}/move/")
    assert page.status_code == 200
    assert "移动单位：甲县" in page.content.decode()
    response = client.post(f"/org/units/{p.county_a.pk}/move/", {"new_parent": p.city_b.pk})
    assert response.status_code == 302
    assert response["Location"] == f"/org/units/{p.county_a.pk}/"
    assert fresh(p.county_a_agency).path.startswith(fresh(p.city_b).path)
    assert AuditEvent.objects.filter(action=Action.MOVE, object_id=str(p.county_a.pk)).count() == 1


@pytest.mark.parametrize("target", ["city_a", "county_a", "county_a_agency"])
def test_move_page_refuses_own_subtree_with_a_chinese_error(users, tree, client_for, target):
    p = tree
    paths_before = dict(OrgUnit.objects.values_list("pk", "path"))
    client = client_for(users["sysadmin"])
    page = client.get(f"/org/units/{p.city_a.pk}/move/")
    offered = {u.pk for u in page.context["form"].fields["new_parent"].queryset}
    assert getattr(p, target).pk not in offered  # the form does not even offer them
    assert p.city_b.pk in offered
    response = client.post(f"/org/units/{p.city_a.pk}/move/", {"new_parent": getattr(p, target).pk})
    assert response.status_code == 200  # the form again, not a redirect
    errors = response.context["form"].errors["new_parent"]
    assert errors and all(re.search(r"[\u4e00-\u9fff]", e) for e in errors), errors
    assert errors[0] in response.content.decode()
    assert dict(OrgUnit.objects.values_list("pk", "path")) == paths_before
    assert not AuditEvent.objects.filter(action=Action.MOVE).exists()


def test_move_api_moves_the_subtree(users, tree, api_client_for):
    p = tree
    response = api_client_for(users["sysadmin"]).post(f"/api/v1/org/units/{p.county_a.pk}/move/",
                                                       {"parent": p.city_b.pk})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["parent"] == p.city_b.pk
    assert body["path"] == f"/{p.province.pk}/{p.city_b.pk}/{p.county_a.pk}/"
    assert body["depth"] == 2
    assert fresh(p.county_a_agency).path == f"{body['path']}{p.county_a_agency.pk}/"


@pytest.mark.parametrize("target", ["city_a", "county_a", "county_a_agency"])
def test_move_api_refuses_own_subtree_with_400_and_fields(users, tree, api_client_for, target):
    p = tree
    paths_before = dict(OrgUnit.objects.values_list("pk", "path"))
    response = api_client_for(users["sysadmin"]).post(f"/api/v1/org/units/{p.city_a.pk}/move/",
                                                       {"parent": getattr(p, target).pk})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"] == {"parent": [MOVE_REFUSED]}
    assert dict(OrgUnit.objects.values_list("pk", "path")) == paths_before
    assert not AuditEvent.objects.filter(action=Action.MOVE).exists()


def test_move_is_refused_to_users_without_the_move_permission(users, tree, api_client_for):
    response = api_client_for(users["a_assets"]).post(f"/api/v1/org/units/{tree.county_a.pk}/move/",
                                                       {"parent": tree.city_a_agency.pk})
    assert response.status_code == 403
    assert fresh(tree.county_a).parent_id == tree.city_a.pk


# Unified social credit code: UI and API --------------------------------------------------------


def agency_form(parent, **extra):
    data = {"parent": parent.pk, "kind": "agency", "name": "甲市新设局", "short_name": "", "region_code": "350100",
            "credit_code": BAD_CHECK, "credit_code_override_reason": "", "sort_order": 0, "is_active": "on"}
    data.update(extra)
    return data


def test_create_form_refuses_invalid_credit_code_under_the_field(users, tree, client_for):
    """ACCEPTANCE: the form comes back with the reason under the credit code field; nothing is saved."""
    units, events = OrgUnit.objects.count(), AuditEvent.objects.count()
    client = client_for(users["sysadmin"])
    response = client.post("/org/units/new/", agency_form(tree.city_a))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["credit_code"] == [BAD_CHECK_REASON]
    assert set(form.errors) == {"credit_code"}
    html = response.content.decode()
    # The message sits right under the credit code input, and the typed value is kept.
    field = re.search(r'<input[^>]*name="credit_code"[^>]*>\s*<div class="invalid-feedback[^"]*">([^<]*)</div>', html)
    assert field is not None, "no error under the credit_code field"
    assert field.group(1) == BAD_CHECK_REASON
    assert f'value="{BAD_CHECK}"' in html
    assert "is-invalid" in re.search(r'<input[^>]*name="credit_code"[^>]*>', html).group(0)
    assert OrgUnit.objects.count() == units
    assert not OrgUnit.objects.filter(name="甲市新设局").exists()
    assert AuditEvent.objects.count() == events


def test_create_form_accepts_valid_credit_code(users, tree, client_for):
    response = client_for(users["sysadmin"]).post("/org/units/new/",
                                                  agency_form(tree.city_a, credit_code=VALID_CODES[0]))
    assert response.status_code == 302
    unit = OrgUnit.objects.get(name="甲市新设局")
    assert response["Location"] == f"/org/units/{unit.pk}/"
    assert unit.credit_code == VALID_CODES[0] and unit.parent_id == tree.city_a.pk
    assert unit.path == f"{tree.city_a.path}{unit.pk}/"
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="org.orgunit", object_id=str(unit.pk))
    assert event.actor == users["sysadmin"] and event.channel == "web"


def test_api_refuses_invalid_credit_code_with_field_error(users, tree, api_client_for):
    """ACCEPTANCE: 400 with the structured error naming credit_code; nothing is saved."""
    units, events = OrgUnit.objects.count(), AuditEvent.objects.count()
    response = api_client_for(users["sysadmin"]).post("/api/v1/org/units/", {
        "parent": tree.city_a.pk, "kind": "agency", "name": "甲市新设局", "region_code": "350100",
        "credit_code": BAD_CHECK})
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "validation_error"
    assert body["error"]["message"] == "提交的数据有误。"
    assert body["error"]["fields"] == {"credit_code": [BAD_CHECK_REASON]}
    assert OrgUnit.objects.count() == units
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("code", VALID_CODES)
def test_api_accepts_the_valid_examples(users, tree, api_client_for, code):
    response = api_client_for(users["sysadmin"]).post("/api/v1/org/units/", {
        "parent": tree.city_a.pk, "kind": "institution", "name": "甲市公物仓", "credit_code": code})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["credit_code"] == code
    assert body["path"] == f"{tree.city_a.path}{body['id']}/" and body["depth"] == 2
    assert OrgUnit.objects.get(pk=body["id"]).credit_code == code


@pytest.mark.parametrize("code", VALID_CODES)
def test_service_accepts_the_valid_examples(users, tree, code):
    with as_sysadmin(users):
        unit = services.orgunit_create(parent=tree.city_b, kind=OrgKind.AGENCY, name="乙市新设局",
                                       credit_code=code.lower())
    assert fresh(unit).credit_code == code  # stored normalised


def test_api_refuses_forbidden_letter_with_its_reason(users, tree, api_client_for):
    response = api_client_for(users["sysadmin"]).post("/api/v1/org/units/", {
        "parent": tree.city_a.pk, "kind": "agency", "name": "甲市新设局", "credit_code": "91350100O000100Y43"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["credit_code"] == [
        "统一社会信用代码含有不允许的字符：O（不使用 I、O、Z、S、V）。"]


def test_override_with_reason_accepts_a_bad_check_character(users, tree, api_client_for):
    response = api_client_for(users["sysadmin"]).post("/api/v1/org/units/", {
        "parent": tree.city_a.pk, "kind": "agency", "name": "甲市特例局", "credit_code": BAD_CHECK,
        "credit_code_override": True, "credit_code_override_reason": "登记机关核发证书如此，已电话核实"})
    assert response.status_code == 201, response.content
    unit = OrgUnit.objects.get(name="甲市特例局")
    assert unit.credit_code == BAD_CHECK and unit.credit_code_override
    event = AuditEvent.objects.get(action=Action.CREATE, object_id=str(unit.pk), object_type="org.orgunit")
    assert event.after["credit_code_override_reason"] == "登记机关核发证书如此，已电话核实"


@pytest.mark.parametrize("reason", ["", "   "])
def test_override_without_reason_is_refused(users, tree, api_client_for, reason):
    response = api_client_for(users["sysadmin"]).post("/api/v1/org/units/", {
        "parent": tree.city_a.pk, "kind": "agency", "name": "甲市特例局", "credit_code": BAD_CHECK,
        "credit_code_override": True, "credit_code_override_reason": reason})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"credit_code_override_reason": ["人工确认信用代码时必须填写原因。"]}
    assert not OrgUnit.objects.filter(name="甲市特例局").exists()


def test_override_in_the_form(users, tree, client_for):
    client = client_for(users["sysadmin"])
    refused = client.post("/org/units/new/", agency_form(tree.city_a, credit_code_override="on"))
    assert refused.status_code == 200
    assert refused.context["form"].errors["credit_code_override_reason"] == ["人工确认信用代码时必须填写原因。"]
    assert not OrgUnit.objects.filter(name="甲市新设局").exists()
    accepted = client.post("/org/units/new/", agency_form(tree.city_a, credit_code_override="on",
                                                           credit_code_override_reason="证书原件核实"))
    assert accepted.status_code == 302
    assert OrgUnit.objects.get(name="甲市新设局").credit_code == BAD_CHECK


def test_updating_to_an_invalid_credit_code_is_refused(users, tree, api_client_for):
    old = fresh(tree.city_a_agency).credit_code
    response = api_client_for(users["sysadmin"]).patch(f"/api/v1/org/units/{tree.city_a_agency.pk}/",
                                                        {"credit_code": BAD_CHECK})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"credit_code": [BAD_CHECK_REASON]}
    assert fresh(tree.city_a_agency).credit_code == old


# Region code -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["province", "city", "county", "township"])
def test_administrative_kinds_require_a_region_code(users, tree, kind):
    with as_sysadmin(users), pytest.raises(ValidationError) as excinfo:
        services.orgunit_create(parent=tree.city_a, kind=kind, name="无代码区", region_code="")
    assert excinfo.value.message_dict == {"region_code": ["行政层级单位必须填写行政区划代码。"]}


@pytest.mark.parametrize("region", ["35012", "35O121", "35 121"])
def test_administrative_kinds_require_six_digits(users, tree, api_client_for, region):
    response = api_client_for(users["sysadmin"]).post("/api/v1/org/units/", {
        "parent": tree.city_a.pk, "kind": "county", "name": "新县", "region_code": region})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"region_code": ["行政区划代码应为 6 位数字（GB/T 2260）。"]}
    assert not OrgUnit.objects.filter(name="新县").exists()


def test_overlong_region_code_is_refused(users, tree, api_client_for):
    response = api_client_for(users["sysadmin"]).post("/api/v1/org/units/", {
        "parent": tree.city_a.pk, "kind": "county", "name": "新县", "region_code": "3501211"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["region_code"]
    assert not OrgUnit.objects.filter(name="新县").exists()


def test_administrative_unit_with_region_code_is_accepted_and_department_needs_none(users, tree):
    with as_sysadmin(users):
        county = services.orgunit_create(parent=tree.city_a, kind=OrgKind.COUNTY, name="新县", region_code="350122")
        dept = services.orgunit_create(parent=tree.city_a_agency, kind=OrgKind.DEPARTMENT, name="办公室")
    assert fresh(county).region_code == "350122"
    assert fresh(dept).region_code == "" and fresh(dept).depth == 3


def test_create_form_shows_missing_region_code_under_its_field(users, tree, client_for):
    response = client_for(users["sysadmin"]).post("/org/units/new/", {
        "parent": tree.city_a.pk, "kind": "county", "name": "新县", "region_code": "", "sort_order": 0})
    assert response.status_code == 200
    assert response.context["form"].errors["region_code"] == ["行政层级单位必须填写行政区划代码。"]
    assert not OrgUnit.objects.filter(name="新县").exists()
