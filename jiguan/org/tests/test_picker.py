"""The unit picker (选择单位) and the people picker (选择人员): what a user typing into one gets back.

福州教育 (福州 + 教育, not one run of the name) and the pinyin initials fzsjyj both find 福州市教育局,
with its path; a user never gets a unit outside the field's choices (their scope, a forged or another
user's token); an empty box lists the top of the scope; never more than 20 at once.
"""

import pytest
from django.core import signing

from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.org import picker, services
from jiguan.org.models import OrgKind, OrgUnit, User

pytestmark = pytest.mark.django_db

URL = "/org/units/pick/"


@pytest.fixture
def fuzhou(tree):
    """福州市 / 福州市教育局 / 办公室, and 福州市财政局, under the test province."""
    with acting_as(None, channel="command"):
        city = services.orgunit_create(parent=tree.province, kind=OrgKind.CITY, name="福州市", region_code="350100")
        bureau = services.orgunit_create(parent=city, kind=OrgKind.AGENCY, name="福州市教育局", region_code="350100")
        office = services.orgunit_create(parent=bureau, kind=OrgKind.DEPARTMENT, name="办公室")
        finance = services.orgunit_create(parent=city, kind=OrgKind.AGENCY, name="福州市财政局", region_code="350100")
    return {"city": city, "bureau": bureau, "office": office, "finance": finance}


def pick(client, q="", token=None):
    params = {"q": q}
    if token:
        params["t"] = token
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def labels(body):
    return [row["label"] for row in body["results"]]


def test_fuzhou_education_finds_the_education_bureau_with_its_path(users, fuzhou, client_for):
    body = pick(client_for(users["prov_assets"]), "福州教育")
    assert body["results"][0] == {"id": fuzhou["bureau"].pk, "label": "福州市教育局",
                                  "path": "福州市 / 福州市教育局", "kind": "机关"}
    assert "福州市财政局" not in labels(body)


def test_spaces_between_the_pieces_are_ignored(users, fuzhou, client_for):
    assert labels(pick(client_for(users["prov_assets"]), " 福州  教育 "))[0] == "福州市教育局"


def test_pinyin_initials_find_the_bureau_whole_or_in_part(users, fuzhou, client_for):
    client = client_for(users["prov_assets"])
    assert pick(client, "fzsjyj")["results"][0]["path"] == "福州市 / 福州市教育局"
    assert pick(client, "FZSJYJ")["results"][0]["label"] == "福州市教育局"
    assert "福州市教育局" in labels(pick(client, "jyj"))  # 教育局, inside the initials


def test_a_department_shows_the_whole_path_down_to_it(users, fuzhou, client_for):
    body = pick(client_for(users["prov_assets"]), "办公室")
    assert body["results"][0]["path"] == "福州市 / 福州市教育局 / 办公室"


def test_shallower_and_shorter_names_come_first(users, fuzhou, client_for):
    found = labels(pick(client_for(users["prov_assets"]), "福州"))
    assert found[0] == "福州市"
    assert set(found[1:3]) == {"福州市教育局", "福州市财政局"}


def test_units_outside_the_scope_are_never_returned(users, tree, fuzhou, client_for):
    client = client_for(users["a_assets"])  # scope: 甲市 and below
    assert pick(client, "福州教育")["results"] == []
    assert pick(client, "fzsjyj")["results"] == []
    assert pick(client, "乙市")["results"] == []
    assert labels(pick(client, "甲县"))[0] == "甲县"
    everything = pick(client, "")["results"]
    assert {row["label"] for row in everything} == {"甲市", "甲市机关事务管理局", "甲市资产管理科", "甲县", "甲县财政局"}


def test_a_forged_or_borrowed_token_is_refused(users, tree, client_for):
    wide = picker.UnitChoices(everywhere=True)
    # Signed for the province's manager: city A's manager cannot use it to see the province.
    token = wide.token(users["prov_assets"])
    response = client_for(users["a_assets"]).get(URL, {"t": token, "q": "乙"})
    assert response.status_code == 400 and "刷新页面" in response.json()["error"]
    response = client_for(users["a_assets"]).get(URL, {"t": token[:-2] + "xx", "q": "乙"})
    assert response.status_code == 400


def test_a_token_lists_only_what_its_field_accepts(users, tree, fuzhou, client_for):
    user = users["prov_assets"]
    owners = picker.UnitChoices(perm="org.view_orgunit", kinds=(OrgKind.AGENCY, OrgKind.INSTITUTION))
    found = labels(pick(client_for(user), "福州", owners.token(user)))
    assert found == ["福州市教育局", "福州市财政局"]
    under_bureau = picker.UnitChoices(within=fuzhou["bureau"].path)
    assert labels(pick(client_for(user), "", under_bureau.token(user))) == ["福州市教育局", "办公室"]


def test_the_empty_box_lists_the_top_of_the_scope_first(users, tree, fuzhou, client_for):
    body = pick(client_for(users["prov_assets"]), "")
    assert body["results"][0]["label"] == "测试省"
    depths = [OrgUnit.objects.get(pk=row["id"]).depth for row in body["results"]]
    assert depths == sorted(depths)


def test_never_more_than_twenty_and_says_there_are_more(users, tree, client_for):
    OrgUnit.objects.bulk_create([
        OrgUnit(parent=tree.city_a, kind=OrgKind.INSTITUTION, name=f"甲市第{i}中学", path=f"{tree.city_a.path}x{i}/",
                depth=2) for i in range(30)])
    body = pick(client_for(users["a_assets"]), "中学")
    assert len(body["results"]) == 20 and body["more"] is True
    assert body["results"][0]["label"] == "甲市第0中学"  # shorter names first: 甲市第0中学 before 甲市第10中学
    body = pick(client_for(users["a_assets"]), "甲市第2")
    found = labels(body)
    # Names that start with what was typed first (甲市第2…), then those holding its characters apart (甲市第12中学).
    assert body["more"] is False and found[0] == "甲市第2中学"
    assert set(found[:11]) == {"甲市第2中学"} | {f"甲市第{i}中学" for i in range(20, 30)}
    assert found[11:] == ["甲市第12中学"]


def test_initials_are_kept_on_save_rename_and_bulk_insert(tree):
    assert OrgUnit.objects.get(pk=tree.city_a_agency.pk).name_initials == "jsjgswglj"
    with acting_as(None, channel="command"):
        services.orgunit_update(unit=OrgUnit.objects.get(pk=tree.county_a_agency.pk), name="甲县教育局")
    assert OrgUnit.objects.get(pk=tree.county_a_agency.pk).name_initials == "jxjyj"
    OrgUnit.objects.bulk_create([OrgUnit(parent=tree.city_b, kind=OrgKind.INSTITUTION, name="乙市IT中心",
                                         path=f"{tree.city_b.path}x/", depth=2)])
    assert OrgUnit.objects.get(name="乙市IT中心").name_initials == "ysitzx"


def test_anonymous_gets_no_units(tree, client):
    response = client.get(URL, {"q": "甲"})
    assert response.status_code in (302, 403)


# People -------------------------------------------------------------------------------------------


def test_people_by_real_name_with_their_unit_within_the_scope(users, tree, client_for):
    make_user("zhang_a", tree.county_a_agency, full_name="张晓明")
    make_user("zhang_b", tree.city_b_agency, full_name="张晓红")
    response = client_for(users["a_assets"]).get("/org/users/pick/", {"q": "张晓"})
    assert response.status_code == 200
    zhang = User.objects.get(username="zhang_a")
    assert response.json()["results"] == [{"id": zhang.pk, "label": "张晓明（zhang_a）", "path": "甲县财政局"}]
    token = signing.dumps({"u": users["a_assets"].pk, "p": {"perm": ""}}, salt="other")
    assert client_for(users["a_assets"]).get("/org/users/pick/", {"t": token}).status_code == 400
