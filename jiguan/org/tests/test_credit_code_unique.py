"""One unit per unified social credit code (统一社会信用代码), case-insensitive (issue 16, item 11): the
unique index in the database, the model's validation with its Chinese message, and the API, the
page and the importer all answering with it."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from openpyxl import Workbook

from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.org import services
from jiguan.org.models import OrgKind, OrgUnit

pytestmark = pytest.mark.django_db

TAKEN = "该统一社会信用代码已被其他单位使用：一个统一社会信用代码只能登记一个单位。"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def new_agency(parent, code, **extra):
    return {"parent": parent.pk, "kind": "agency", "name": "甲市新设局", "region_code": "350100",
            "credit_code": code, **extra}


@pytest.fixture
def city_a_admin(tree):
    return make_user("a_sysadmin", tree.city_a_agency, [("system_admin", tree.city_a, True)])


def test_the_api_refuses_a_code_another_unit_holds_whatever_its_case(tree, users, api_client_for):
    api = api_client_for(users["sysadmin"])
    taken = tree.city_b_agency.credit_code
    for code in (taken, taken.lower()):
        response = api.post("/api/v1/org/units/", new_agency(tree.city_a, code), format="json")
        assert response.status_code == 400, response.content
        assert response.json()["error"]["fields"] == {"credit_code": [TAKEN]}
    assert not OrgUnit.objects.filter(name="甲市新设局").exists()

    response = api.patch(f"/api/v1/org/units/{tree.city_a_agency.pk}/", {"credit_code": taken.lower()}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"credit_code": [TAKEN]}
    # A unit keeps its own code on a change of something else.
    response = api.patch(f"/api/v1/org/units/{tree.city_a_agency.pk}/", {"short_name": "甲市局"}, format="json")
    assert response.status_code == 200


def test_a_code_held_outside_the_callers_scope_is_refused_too(tree, city_a_admin, api_client_for):
    response = api_client_for(city_a_admin).post("/api/v1/org/units/", new_agency(
        tree.city_a, tree.city_b_agency.credit_code), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"credit_code": [TAKEN]}


def test_a_code_taken_between_the_check_and_the_write_is_a_400_not_a_500(tree, users, api_client_for, monkeypatch):
    """Two requests at once both find the code free; the unique index refuses the second insert, and
    the service answers with the same message."""
    monkeypatch.setattr(OrgUnit, "validate_constraints", lambda self, exclude=None: None)
    response = api_client_for(users["sysadmin"]).post("/api/v1/org/units/", new_agency(
        tree.city_a, tree.city_b_agency.credit_code.lower()), format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"] == {"credit_code": [TAKEN]}
    assert not OrgUnit.objects.filter(name="甲市新设局").exists()


def test_the_page_shows_the_message_under_the_field(tree, users, client_for):
    form = {**new_agency(tree.city_a, tree.city_a_agency.credit_code.lower()), "short_name": "",
            "credit_code_override_reason": "", "sort_order": 0, "is_active": "on"}
    response = client_for(users["sysadmin"]).post("/org/units/new/", form)
    assert response.status_code == 200
    assert response.context["form"].errors == {"credit_code": [TAKEN]}
    assert not OrgUnit.objects.filter(name="甲市新设局").exists()


def test_the_importer_refuses_a_code_held_outside_its_scope(tree, city_a_admin, client_for, settings, tmp_path):
    settings.JIGUAN_PRIVATE_ROOT = tmp_path / "private"  # uploads, job state and error reports
    wb = Workbook()
    wb.active.append(["名称", "简称", "类型", "上级单位", "行政区划代码", "统一社会信用代码", "排序"])
    wb.active.append(["甲市新设局", "", "机关", "甲市", "350100", tree.city_b_agency.credit_code.lower(), 1])
    buffer = io.BytesIO()
    wb.save(buffer)
    response = client_for(city_a_admin).post("/org/units/import/", {
        "file": SimpleUploadedFile("units.xlsx", buffer.getvalue(), content_type=XLSX)})
    assert response.status_code == 200
    assert [(e.row, e.column, e.message) for e in response.context["errors"]] == [(2, "统一社会信用代码", TAKEN)]
    assert not OrgUnit.objects.filter(name="甲市新设局").exists()


def test_the_database_itself_refuses_a_second_unit_with_the_code(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        OrgUnit.objects.filter(pk=tree.city_a_agency.pk).update(credit_code=tree.city_b_agency.credit_code.lower())


def test_units_without_a_code_are_not_constrained(tree):
    with acting_as(None, channel="command"):
        first = services.orgunit_create(parent=tree.city_a_agency, kind=OrgKind.DEPARTMENT, name="一科")
        second = services.orgunit_create(parent=tree.city_a_agency, kind=OrgKind.DEPARTMENT, name="二科")
    assert first.credit_code == second.credit_code == ""


def test_the_demo_organisation_loads_with_a_code_per_unit():
    from jiguan.org import demo

    with acting_as(None, channel="command"):
        demo.load(io.StringIO())
    codes = list(OrgUnit.objects.exclude(credit_code="").values_list("credit_code", flat=True))
    assert len(codes) > 10 and len({c.upper() for c in codes}) == len(codes)
