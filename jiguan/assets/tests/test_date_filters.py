"""The asset list's 取得日期 filters read dates as people type them (issue 19): 2024年1月15日,
2024-01-15 and 2024/1/15 filter the same cards; a date that is none is said in Chinese."""

from datetime import date

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LIST = reverse("assets:asset_list")


def codes(response):
    assert response.status_code == 200
    return {row["object"].code for row in response.context["rows"]}


@pytest.mark.parametrize("typed", ["2024年1月15日", "2024-01-15", "2024/1/15", "２０２４年１月１５日"])
def test_the_acquired_date_filters_read_chinese_and_iso_dates(typed, tree, users, register, client_for):
    before = register(tree.city_a_agency, acquired_on=date(2024, 1, 14))
    on_the_day = register(tree.city_a_agency, acquired_on=date(2024, 1, 15))
    after = register(tree.city_a_agency, acquired_on=date(2024, 1, 16))
    client = client_for(users["a_assets"])
    assert codes(client.get(LIST, {"acquired_from": typed})) == {on_the_day.code, after.code}
    assert codes(client.get(LIST, {"acquired_to": typed})) == {before.code, on_the_day.code}


def test_a_date_that_is_none_is_refused_in_chinese(tree, users, register, client_for):
    register(tree.city_a_agency)
    response = client_for(users["a_assets"]).get(LIST, {"acquired_from": "2024年13月1日"})
    assert response.status_code == 200 and not response.context["rows"]
    assert "日期格式不对：请按 2024-01-15、2024/1/15 或 2024年1月15日 填写。" in response.content.decode()
