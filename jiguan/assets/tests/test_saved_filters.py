"""Saved filters (保存的筛选条件, jiguan.org) on the assets list (issue 4: "Search ... saved filters"):
offered on every list page with filters, personal to their owner. The generic test on the org and audit
lists and the page helpers are in jiguan/org/tests/test_saved_filters.py. The shipped standards tables
these cards need are loaded by assets/tests/conftest.py (shipped_standards)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiguan.assets.views import AssetListView
from jiguan.audit.models import AuditEvent
from jiguan.core.context import acting_as
from jiguan.org import services
from jiguan.org.models import SavedFilter
from jiguan.org.tests.test_saved_filters import CREATE, my_filters, save_form, text

pytestmark = pytest.mark.django_db

LIST = reverse("assets:asset_list")
VIEW = "assets:asset_list"


@pytest.fixture
def cards(tree, users):
    """Cards of 甲市机关事务管理局: two computers in use, one idle computer, one desk in use."""
    from jiguan.assets import services as assets

    def register(name, class_code, status, count=1):
        values = {"name": name, "class_code": class_code, "original_value": Decimal("6000.00"),
                  "acquisition_method": "purchase", "funding_source": "fiscal", "status": status}
        with acting_as(users["a_assets"]):
            return assets.asset_register(owner_unit=tree.city_a_agency, count=count, on=date(2024, 1, 15),
                                         acquired_on=date(2024, 1, 15), **values)

    return {"in_use": register("台式计算机", "A02010105", "in_use", count=2),
            "idle": register("台式计算机", "A02010105", "idle"),
            "desk": register("办公桌", "A05010000", "in_use")}


def card_ids(page: str) -> set[str]:
    """The cards the list shows (the code column links to each card)."""
    return set(re.findall(r'<td[^>]*><a href="/assets/(\d+)/">', page))


def test_a_saved_filter_reproduces_the_same_rows(users, cards, client_for):
    client = client_for(users["a_assets"])
    assert 'id="save-filter-form"' not in text(client.get(LIST))   # nothing to save without filters
    filtered = client.get(LIST, {"status": "in_use", "class_code": "A02010000", "q": "", "page": "1"})
    page = text(filtered)
    shown = card_ids(page)
    assert shown == {str(c.pk) for c in cards["in_use"]}
    fields = save_form(page)
    assert fields == {"view": VIEW, "query": "status=in_use&class_code=A02010000"}  # no page, no empty q

    response = client.post(CREATE, {**fields, "name": "在用电脑"}, follow=True)
    assert "已保存筛选“在用电脑”" in text(response)
    assert card_ids(text(response)) == shown                       # back on the filtered list

    link = my_filters(text(client.get(LIST)))["在用电脑"]            # from the unfiltered list
    assert link == f"{LIST}?status=in_use&class_code=A02010000"
    assert card_ids(text(client.get(link))) == shown
    event = AuditEvent.objects.get(object_type="org.savedfilter", action="create")
    assert event.actor == users["a_assets"] and event.object_repr == "在用电脑"


def test_another_user_neither_sees_nor_deletes_it(tree, users, cards, client_for):
    with acting_as(users["a_assets"]):
        saved = services.saved_filter_save(user=users["a_assets"], view=VIEW, name="闲置", query="status=idle")
    from jiguan.core.testing import make_user

    colleague = make_user("a_colleague", tree.city_a_agency, [("asset_manager", tree.city_a, True)])
    client = client_for(colleague)
    assert my_filters(text(client.get(LIST))) == {}
    response = client.post(reverse("saved_filter_delete", args=[saved.pk]))
    assert response.status_code == 404 and SavedFilter.objects.filter(pk=saved.pk).exists()
    assert my_filters(text(client_for(users["a_assets"]).get(LIST))) == {"闲置": f"{LIST}?status=idle"}


def test_delete_takes_it_out_of_the_menu(users, cards, client_for):
    user = users["a_assets"]
    with acting_as(user):
        saved = services.saved_filter_save(user=user, view=VIEW, name="闲置", query="status=idle")
        services.saved_filter_save(user=user, view=VIEW, name="办公桌", query="class_code=A05")
    client = client_for(user)
    page = text(client.get(LIST, {"status": "idle"}))
    assert set(my_filters(page)) == {"闲置", "办公桌"}
    assert re.search(r'class="dropdown-item saved-filter active" href="[^"]*">闲置<', page)  # the one in use
    response = client.post(reverse("saved_filter_delete", args=[saved.pk]), {"next": f"{LIST}?status=idle"},
                           follow=True)
    assert response.redirect_chain[-1][0] == f"{LIST}?status=idle"
    assert "已删除筛选“闲置”" in text(response)
    assert set(my_filters(text(response))) == {"办公桌"}
    assert AuditEvent.objects.filter(object_type="org.savedfilter", action="delete", object_repr="闲置").exists()
    # an outside "next" is not followed
    other = SavedFilter.objects.get(name="办公桌")
    response = client.post(reverse("saved_filter_delete", args=[other.pk]), {"next": "https://example.com/"})
    assert response["Location"] == LIST and not SavedFilter.objects.filter(user=user).exists()


def test_the_21st_is_refused_and_a_same_name_replaces(users, cards, client_for):
    user = users["a_assets"]
    with acting_as(user):
        for i in range(SavedFilter.MAX_PER_VIEW):
            services.saved_filter_save(user=user, view=VIEW, name=f"筛选{i:02d}", query=f"q={i}")
    client = client_for(user)
    response = client.post(CREATE, {"view": VIEW, "query": "status=idle", "name": "第二十一个"}, follow=True)
    assert "每个列表最多保存 20 个筛选条件" in text(response)
    assert response.redirect_chain[-1][0] == f"{LIST}?status=idle"    # back where the user was
    assert SavedFilter.objects.filter(user=user).count() == 20
    # saving again under an existing name replaces it, even at the limit
    client.post(CREATE, {"view": VIEW, "query": "status=idle", "name": "筛选03"})
    assert SavedFilter.objects.get(user=user, name="筛选03").query == "status=idle"
    assert SavedFilter.objects.filter(user=user).count() == 20
    # the limit is per page: another list still takes one
    with acting_as(user):
        services.saved_filter_save(user=user, view="org:unit_list", name="第二十一个", query="q=甲")
    assert SavedFilter.objects.filter(user=user).count() == 21


def test_what_cannot_be_saved(users, client_for):
    client = client_for(users["a_assets"])
    response = client.post(CREATE, {"view": VIEW, "query": "page=2&export=xlsx&q=", "name": "空"}, follow=True)
    assert "当前没有筛选条件，无需保存。" in text(response)
    response = client.post(CREATE, {"view": "org:unit_tree", "query": "q=甲", "name": "树"}, follow=True)
    assert "该页面不能保存筛选条件。" in text(response)
    response = client.post(CREATE, {"view": VIEW, "query": "status=idle", "name": "  "}, follow=True)
    assert "这个字段是必填项" in text(response) or "不能为空" in text(response)
    assert not SavedFilter.objects.exists()
    assert client.get(CREATE).status_code == 405


def test_the_list_pays_at_most_one_query_for_it(users, cards, client_for, monkeypatch):
    user = users["a_assets"]
    client = client_for(user)
    params = {"status": "in_use", "class_code": "A02010000"}
    monkeypatch.setattr(AssetListView, "saved_filters", False)
    client.get(LIST, params)                                          # warm the caches
    with CaptureQueriesContext(connection) as without:
        assert 'id="save-filter-form"' not in text(client.get(LIST, params))
    monkeypatch.setattr(AssetListView, "saved_filters", True)
    with acting_as(user):
        for i in range(5):
            services.saved_filter_save(user=user, view=VIEW, name=f"筛选{i}", query=f"q={i}")
    with CaptureQueriesContext(connection) as with_filters:
        page = text(client.get(LIST, params))
    assert len(my_filters(page)) == 5
    assert len(with_filters.captured_queries) <= len(without.captured_queries) + 1
