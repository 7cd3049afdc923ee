"""Data scope (数据范围), end to end.

Acceptance: a city-A manager sees, through the pages, the API and the Excel export alike, no user and
no unit-scoped row of city B. Also: a unit-only grant, the unit switcher, several grants combined.
"""

import io
import re
from html import unescape
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook

from jiguan.core.testing import make_user
from jiguan.org.models import OrgUnit, User

pytestmark = pytest.mark.django_db

CITY_A_UNITS = {"甲市", "甲市机关事务管理局", "甲市资产管理科", "甲县", "甲县财政局"}
CITY_B_UNITS = {"乙市", "乙市机关事务管理局", "乙市资产管理处", "乙县"}


def list_names(response, attr="name"):
    assert response.status_code == 200
    return {getattr(row["object"], attr) for row in response.context["rows"]}


def sheet_rows(response, *, lines=None):
    """The rows of an exported workbook, header first, as the user opens them in Excel (below the
    title and the 范围/导出时间 line, which ``lines`` receives when given)."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    sheet = workbook.worksheets[0]
    rows = [[("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)]
    if lines is not None:
        lines.extend(row[0] for row in rows[:2])
    return rows[2:]


def api_names(response, key="name"):
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"])  # everything fits on one page here
    return {row[key] for row in body["results"]}


# The city-A manager, page by page -----------------------------------------------------------------


class TestCityAManagerSeesNothingOfCityB:
    def test_unit_list_page(self, users, client_for):
        response = client_for(users["a_assets"]).get("/org/units/list/")
        assert list_names(response) == CITY_A_UNITS
        html = response.content.decode()
        assert "甲县财政局" in html
        assert "乙" not in html  # not in the rows, not in the unit switcher, nowhere

    def test_unit_list_filter_cannot_reach_city_b(self, users, tree, client_for):
        # Filtering "within city B" must give nothing, not city B's units.
        response = client_for(users["a_assets"]).get("/org/units/list/", {"within": tree.city_b.pk})
        assert list_names(response) == set()
        response = client_for(users["a_assets"]).get("/org/units/list/", {"q": "乙"})
        assert list_names(response) == set()

    def test_user_list_page(self, users, client_for):
        response = client_for(users["a_assets"]).get("/org/users/")
        assert list_names(response, "username") == {"a_assets", "staff"}
        html = response.content.decode()
        assert "a_assets" in html and "b_assets" not in html
        assert "乙" not in html

    def test_user_list_filter_by_city_b_unit_is_empty(self, users, tree, client_for):
        response = client_for(users["a_assets"]).get("/org/users/", {"unit": tree.city_b.pk})
        assert list_names(response, "username") == set()

    @pytest.mark.parametrize("unit", ["city_b", "city_b_agency", "city_b_dept", "county_b", "province"])
    def test_unit_detail_out_of_scope_is_404(self, users, tree, client_for, unit):
        response = client_for(users["a_assets"]).get(f"/org/units/{getattr(tree, unit).pk}/")
        assert response.status_code == 404

    def test_unit_detail_in_scope(self, users, tree, client_for):
        response = client_for(users["a_assets"]).get(f"/org/units/{tree.city_a.pk}/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "甲市机关事务管理局" in html and "甲县" in html  # its children
        assert "乙" not in html
        # The province is not in scope: it is not offered as a breadcrumb link.
        assert [label for label, _link in response.context["breadcrumbs"]] == ["组织机构", "甲市"]

    def test_user_detail_out_of_scope_is_404(self, users, client_for):
        client = client_for(users["a_assets"])
        assert client.get(f"/org/users/{users['b_assets'].pk}/").status_code == 404
        assert client.get(f"/org/users/{users['prov_assets'].pk}/").status_code == 404
        response = client.get(f"/org/users/{users['staff'].pk}/")
        assert response.status_code == 200
        assert "甲市资产管理科" in response.content.decode()

    def test_unit_export_has_city_a_rows_and_no_city_b_row(self, users, client_for):
        rows = sheet_rows(client_for(users["a_assets"]).get("/org/units/list/", {"export": "xlsx"}))
        header, data = rows[0], rows[1:]
        assert header[0] == "名称"
        assert {row[0] for row in data} == CITY_A_UNITS
        assert not any("乙" in cell for row in data for cell in row)

    def test_user_export_has_city_a_rows_and_no_city_b_row(self, users, client_for):
        rows = sheet_rows(client_for(users["a_assets"]).get("/org/users/", {"export": "xlsx"}))
        header, data = rows[0], rows[1:]
        assert header[0] == "用户名"
        assert {row[0] for row in data} == {"a_assets", "staff"}
        assert all(row[header.index("所属单位")] == "甲市资产管理科" for row in data)
        assert not any("乙" in cell or "b_assets" in cell for row in data for cell in row)

    def test_export_with_a_filter_pointing_at_city_b_is_empty(self, users, tree, client_for):
        rows = sheet_rows(client_for(users["a_assets"]).get(
            "/org/units/list/", {"export": "xlsx", "within": tree.city_b.pk}))
        assert rows[1:] == []

    def test_api_unit_list(self, users, api_client_for):
        names = api_names(api_client_for(users["a_assets"]).get("/api/v1/org/units/"))
        assert names == CITY_A_UNITS

    def test_api_unit_list_filtered_to_city_b_gives_nothing(self, users, tree, api_client_for):
        client = api_client_for(users["a_assets"])
        # City B is not a unit this user may filter by: refused, and no city-B row in the answer.
        response = client.get("/api/v1/org/units/", {"within": tree.city_b.pk})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "validation_error"
        assert "within" in response.json()["error"]["fields"]
        assert "乙" not in response.content.decode()
        assert api_names(client.get("/api/v1/org/units/", {"q": "乙"})) == set()
        assert api_names(client.get("/api/v1/org/users/", {"q": "b_assets"}), "username") == set()

    def test_api_user_list(self, users, api_client_for):
        response = api_client_for(users["a_assets"]).get("/api/v1/org/users/")
        assert api_names(response, "username") == {"a_assets", "staff"}
        assert "乙" not in response.content.decode()  # no unit_name of city B either

    def test_api_details(self, users, tree, api_client_for):
        client = api_client_for(users["a_assets"])
        for unit in (tree.city_b, tree.city_b_agency, tree.city_b_dept, tree.county_b):
            response = client.get(f"/api/v1/org/units/{unit.pk}/")
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "not_found"
        response = client.get(f"/api/v1/org/users/{users['b_assets'].pk}/")
        assert response.status_code == 404
        assert client.get(f"/api/v1/org/units/{tree.city_a_agency.pk}/").json()["name"] == "甲市机关事务管理局"
        assert client.get(f"/api/v1/org/users/{users['staff'].pk}/").json()["unit_name"] == "甲市资产管理科"

    def test_unit_tree_page(self, users, client_for):
        response = client_for(users["a_assets"]).get("/org/units/")
        assert response.status_code == 200
        html = response.content.decode()
        # The top of the scope is city A; below it loads on demand.
        assert [node["unit"].name for node in response.context["nodes"]] == ["甲市"]
        assert response.context["nodes"][0]["child_count"] == 2
        assert "甲市" in html and "乙" not in html

    def test_unit_tree_search(self, users, client_for):
        response = client_for(users["a_assets"]).get("/org/units/", {"q": "机关事务管理局"})
        assert response.status_code == 200
        assert [u.name for u in response.context["matches"]] == ["甲市机关事务管理局"]

    def test_unit_tree_children_endpoint(self, users, tree, client_for):
        client = client_for(users["a_assets"])
        response = client.get(f"/org/units/{tree.city_a.pk}/children/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "甲市机关事务管理局" in html and "甲县" in html and "乙" not in html
        assert client.get(f"/org/units/{tree.city_b.pk}/children/").status_code == 404
        # The province is above the scope: its children are not listed through it.
        assert client.get(f"/org/units/{tree.province.pk}/children/").status_code == 404

    def test_city_b_manager_is_the_mirror_image(self, users, client_for, api_client_for):
        response = client_for(users["b_assets"]).get("/org/units/list/")
        assert list_names(response) == CITY_B_UNITS
        assert api_names(api_client_for(users["b_assets"]).get("/api/v1/org/users/"), "username") == {"b_assets"}


def test_province_manager_sees_both_cities(users, client_for):
    names = list_names(client_for(users["prov_assets"]).get("/org/units/list/"))
    assert CITY_A_UNITS | CITY_B_UNITS <= names
    assert names == set(OrgUnit.objects.values_list("name", flat=True))


def test_user_without_roles_sees_nothing(tree, client_for, api_client_for):
    nobody = make_user("nobody", tree.city_a_dept)
    assert client_for(nobody).get("/org/units/list/").status_code == 403
    assert api_client_for(nobody).get("/api/v1/org/units/").status_code == 403


def test_anonymous_is_sent_to_login_and_api_refuses(tree):
    from django.test import Client
    from rest_framework.test import APIClient

    response = Client().get("/org/units/list/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    response = APIClient().get("/api/v1/org/units/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


# A grant of one unit only ---------------------------------------------------------------------------


@pytest.fixture
def agency_only(tree):
    """Asset manager of 甲市机关事务管理局 alone, not of its department below."""
    make_user("agency_clerk", tree.city_a_agency)
    return make_user("agency_only", tree.city_a_agency, [("asset_manager", tree.city_a_agency, False)])


def test_unit_only_grant_sees_its_unit_not_its_children(agency_only, users, tree, client_for, api_client_for):
    client = client_for(agency_only)
    assert list_names(client.get("/org/units/list/")) == {"甲市机关事务管理局"}
    assert client.get(f"/org/units/{tree.city_a_agency.pk}/").status_code == 200
    assert client.get(f"/org/units/{tree.city_a_dept.pk}/").status_code == 404
    assert client.get(f"/org/units/{tree.city_a.pk}/").status_code == 404
    # Users of the unit itself, not those of the department below it.
    assert list_names(client.get("/org/users/"), "username") == {"agency_clerk", "agency_only"}
    assert client.get(f"/org/users/{users['a_assets'].pk}/").status_code == 404
    api = api_client_for(agency_only)
    assert api_names(api.get("/api/v1/org/units/")) == {"甲市机关事务管理局"}
    assert api.get(f"/api/v1/org/units/{tree.city_a_dept.pk}/").status_code == 404
    assert api_names(api.get("/api/v1/org/users/"), "username") == {"agency_clerk", "agency_only"}


def test_unit_only_grant_tree_shows_the_unit_without_children(agency_only, tree, client_for):
    client = client_for(agency_only)
    response = client.get("/org/units/")
    assert [(n["unit"].name, n["child_count"]) for n in response.context["nodes"]] == [("甲市机关事务管理局", 0)]
    response = client.get(f"/org/units/{tree.city_a_agency.pk}/children/")
    assert response.status_code == 200
    assert "甲市资产管理科" not in response.content.decode()


def test_unit_only_export(agency_only, client_for):
    rows = sheet_rows(client_for(agency_only).get("/org/units/list/", {"export": "xlsx"}))
    assert [row[0] for row in rows[1:]] == ["甲市机关事务管理局"]


# Several grants combine -----------------------------------------------------------------------------


@pytest.fixture
def two_grants(tree):
    """City A with everything below it, plus city B's department alone."""
    make_user("b_clerk", tree.city_b_dept)
    return make_user("two_grants", tree.city_a_dept, [("asset_manager", tree.city_a, True),
                                                      ("asset_manager", tree.city_b_dept, False)])


def test_several_grants_combine_in_lists_export_and_api(two_grants, users, tree, client_for, api_client_for):
    client = client_for(two_grants)
    expected = CITY_A_UNITS | {"乙市资产管理处"}
    assert list_names(client.get("/org/units/list/")) == expected
    rows = sheet_rows(client.get("/org/units/list/", {"export": "xlsx"}))
    assert {row[0] for row in rows[1:]} == expected
    assert api_names(api_client_for(two_grants).get("/api/v1/org/units/")) == expected
    assert list_names(client.get("/org/users/"), "username") == {
        "a_assets", "staff", "two_grants", "b_assets", "b_clerk"}
    # The rest of city B stays out.
    assert client.get(f"/org/units/{tree.city_b_dept.pk}/").status_code == 200
    assert client.get(f"/org/units/{tree.city_b_agency.pk}/").status_code == 404
    assert client.get(f"/org/units/{tree.city_b.pk}/").status_code == 404


def test_several_grants_tree_shows_each_top_unit(two_grants, client_for):
    response = client_for(two_grants).get("/org/units/")
    assert response.status_code == 200
    names = [node["unit"].name for node in response.context["nodes"]]
    assert sorted(names) == sorted(["甲市", "乙市资产管理处"])
    html = response.content.decode()
    assert "乙市资产管理处" in html and "乙市机关事务管理局" not in html


def test_overlapping_grants_do_not_duplicate_rows(tree, client_for, api_client_for):
    user = make_user("overlap", tree.city_a_dept, [("asset_manager", tree.city_a, True),
                                                  ("asset_manager", tree.city_a_agency, False),
                                                  ("staff", tree.city_a_dept, False)])
    response = client_for(user).get("/org/units/list/")
    names = [row["object"].name for row in response.context["rows"]]
    assert sorted(names) == sorted(CITY_A_UNITS)
    assert api_client_for(user).get("/api/v1/org/units/").json()["count"] == len(CITY_A_UNITS)


# The unit switcher ----------------------------------------------------------------------------------


def switcher_offers(client, page="/org/units/list/", q=""):
    """What the header's unit switcher (a picker) lists when the user types ``q`` into it."""
    html = client.get(page).content.decode()
    source = re.search(r'id="unit-switcher".*?data-picker="([^"]+)"', html, re.S).group(1)
    response = client.get(f"{unescape(source)}&{urlencode({'q': q})}")
    assert response.status_code == 200
    return [row["label"] for row in response.json()["results"]]


def test_switcher_offers_only_units_in_scope(users, client_for):
    assert switcher_offers(client_for(users["a_assets"])) == ["甲市", "甲县"]
    assert switcher_offers(client_for(users["a_assets"]), q="乙") == []
    assert switcher_offers(client_for(users["prov_assets"]), q="乙") == ["乙市", "乙县"]


def test_no_switcher_for_a_scope_of_one_unit(users, client_for):
    assert 'id="unit-switcher"' not in client_for(users["staff"]).get("/org/units/list/").content.decode()


def test_switch_unit_narrows_lists_to_the_subtree(users, tree, client_for):
    client = client_for(users["prov_assets"])
    assert CITY_B_UNITS <= list_names(client.get("/org/units/list/"))
    response = client.post("/switch-unit/", {"unit": tree.city_a.pk, "next": "/org/units/list/"})
    assert response.status_code == 302 and response["Location"] == "/org/units/list/"
    assert list_names(client.get("/org/units/list/")) == CITY_A_UNITS
    assert list_names(client.get("/org/users/"), "username") == {"a_assets", "staff"}
    lines = []
    rows = sheet_rows(client.get("/org/units/list/", {"export": "xlsx"}), lines=lines)
    assert {row[0] for row in rows[1:]} == CITY_A_UNITS
    assert lines[1].startswith("范围：甲市（含下级）；导出时间：")  # the unit switched to
    page = client.get("/org/units/list/")
    assert page.context["focus_unit"].pk == tree.city_a.pk
    # Choosing "all" again widens back to the whole scope.
    client.post("/switch-unit/", {"unit": ""})
    assert CITY_B_UNITS <= list_names(client.get("/org/units/list/"))


def test_switch_unit_cannot_widen_the_scope(users, tree, client_for):
    client = client_for(users["a_assets"])
    response = client.post("/switch-unit/", {"unit": tree.city_b.pk})
    assert response.status_code == 404
    response = client.post("/switch-unit/", {"unit": tree.province.pk})
    assert response.status_code == 404
    assert list_names(client.get("/org/units/list/")) == CITY_A_UNITS
    # Switching within the scope narrows further.
    assert client.post("/switch-unit/", {"unit": tree.county_a.pk}).status_code == 302
    assert list_names(client.get("/org/units/list/")) == {"甲县", "甲县财政局"}


def test_switch_unit_refuses_get_and_anonymous(tree, users, client_for):
    from django.test import Client

    assert client_for(users["a_assets"]).get("/switch-unit/").status_code == 403
    assert Client().post("/switch-unit/", {"unit": tree.city_a.pk}).status_code == 403


def test_switch_unit_ignores_foreign_next(users, tree, client_for):
    response = client_for(users["a_assets"]).post("/switch-unit/", {"unit": tree.city_a.pk,
                                                                     "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_scope_follows_role_changes_on_next_request(users, tree, client_for):
    """A revoked grant stops working at once: scope is resolved per request, not cached in the session."""
    from jiguan.org import services
    from jiguan.org.models import RoleAssignment

    client = client_for(users["a_assets"])
    assert client.get(f"/org/units/{tree.city_a.pk}/").status_code == 200
    services.assignment_revoke(assignment=RoleAssignment.objects.get(user=users["a_assets"]))
    assert client.get(f"/org/units/{tree.city_a.pk}/").status_code == 403
    assert User.objects.get(pk=users["a_assets"].pk).is_active
