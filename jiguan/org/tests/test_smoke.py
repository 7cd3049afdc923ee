from jiguan.org.models import OrgUnit


def test_city_manager_sees_only_own_city_in_unit_list(users, tree, client_for):
    response = client_for(users["a_assets"]).get("/org/units/list/")
    assert response.status_code == 200
    names = {row["object"].name for row in response.context["rows"]}
    assert "甲市" in names and "甲县财政局" in names
    assert not any(name.startswith("乙") for name in names)
    assert OrgUnit.objects.count() == 11
