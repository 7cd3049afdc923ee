"""``?updated_since=`` on every list API (issue 18, events for other systems: systems that poll).

The behaviour is checked on the organisation units' list (a kernel list whose move is a set-based
UPDATE of a whole subtree); the cards' transfer and disposal are in assets/tests/test_polling.py.
The last test walks the URL resolver, so a new module's lists are checked the day they are added."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from jiguan.core.context import acting_as
from jiguan.core.polling import has_updated_at
from jiguan.core.testing import factories
from jiguan.org import services as org_services
from jiguan.org.models import OrgUnit

from .test_scope_walk import build, checked_routes, discover, everything_user, listed_ids

pytestmark = pytest.mark.django_db

UNITS = "/api/v1/org/units/"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def poll(client, since, **params):
    response = client.get(UNITS, {"updated_since": since, **params})
    assert response.status_code == 200, response.content
    return response.json()


def ids(body) -> list[int]:
    return [row["id"] for row in body["results"]]


def all_units_updated_at(moment) -> None:
    OrgUnit.objects.update(updated_at=moment)


def test_a_poller_sees_units_moved_in_bulk_and_nothing_older(tree, users, api_client_for):
    client = api_client_for(users["sysadmin"])
    all_units_updated_at(timezone.now() - dt.timedelta(days=1))
    since = timezone.now()
    assert poll(client, since.isoformat())["results"] == []  # nothing changed since

    # Moving 甲县 under 乙市 rewrites the path of the county and of every unit below it in one UPDATE.
    with acting_as(users["sysadmin"]):
        org_services.orgunit_move(unit=tree.county_a, new_parent=tree.city_b)
    body = poll(client, since.isoformat())
    assert sorted(ids(body)) == sorted([tree.county_a.pk, tree.county_a_agency.pk])
    moved = {row["id"]: row for row in body["results"]}
    assert moved[tree.county_a_agency.pk]["path"].startswith(tree.city_b.path)
    assert body["count"] == 2 and body["next"] is None

    # An instant before: everything; the rows read back have the updated_at that was asked for.
    earlier = poll(client, (since - dt.timedelta(days=2)).isoformat(), page_size=100)
    assert earlier["count"] == OrgUnit.objects.count()


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "2026-12-01T25:00:00+08:00", "12/01/2026",
                                   "2026-12-01T08:00:00+99:00", "0001-01-01T00:00:00+08:00", "0001-01-01",
                                   "9999-12-31T23:59:59-08:00"])
def test_an_invalid_value_is_a_structured_400_in_chinese(tree, users, api_client_for, value):
    response = api_client_for(users["sysadmin"]).get(UNITS, {"updated_since": value})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and error["message"] == "提交的数据有误。"
    [message] = error["fields"]["updated_since"]
    assert "不是有效的时间" in message and "ISO 8601" in message


def test_after_id_needs_updated_since_and_a_number(tree, users, api_client_for):
    client = api_client_for(users["sysadmin"])
    alone = client.get(UNITS, {"after_id": "3"})
    assert alone.status_code == 400 and "updated_since" in alone.json()["error"]["fields"]["after_id"][0]
    negative = client.get(UNITS, {"updated_since": "2026-12-01", "after_id": "-1"})
    assert negative.status_code == 400 and "非负整数" in negative.json()["error"]["fields"]["after_id"][0]
    huge = client.get(UNITS, {"updated_since": "2026-12-01", "after_id": str(2**64)})
    assert huge.status_code == 400 and "after_id" in huge.json()["error"]["fields"]


def test_a_date_alone_is_its_start_in_the_projects_time_zone(tree, users, api_client_for, settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    client = api_client_for(users["sysadmin"])
    all_units_updated_at(dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    # 00:30 on 1 December in Shanghai is 16:30 UTC on 30 November; 23:30 on 30 November is 15:30 UTC.
    OrgUnit.objects.filter(pk=tree.city_a.pk).update(updated_at=dt.datetime(2026, 12, 1, 0, 30, tzinfo=SHANGHAI))
    OrgUnit.objects.filter(pk=tree.city_b.pk).update(updated_at=dt.datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI))
    assert ids(poll(client, "2026-12-01")) == [tree.city_a.pk]
    # The same instant written out, in UTC and without an offset (the project's time zone again).
    assert ids(poll(client, "2026-11-30T16:00:00Z")) == [tree.city_a.pk]
    assert ids(poll(client, "2026-12-01T00:00:00")) == [tree.city_a.pk]
    assert ids(poll(client, "2026-11-30T23:00:00+08:00")) == [tree.city_b.pk, tree.city_a.pk]


def test_a_plus_sign_left_unencoded_still_reads_as_the_offset(tree, users, api_client_for):
    client = api_client_for(users["sysadmin"])
    all_units_updated_at(dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    OrgUnit.objects.filter(pk=tree.city_a.pk).update(updated_at=dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))
    # In a raw query string "+" decodes to a space: "…T08:30:00 08:00".
    response = client.get(f"{UNITS}?updated_since=2026-12-01T08:30:00+08:00")
    assert response.status_code == 200 and ids(response.json()) == [tree.city_a.pk]


def test_the_order_is_stable_and_next_pages_through_rows_stamped_at_one_instant(tree, users, api_client_for):
    """One set-based UPDATE gives every row the same updated_at: the keyset cursor goes on by id, and a
    row changed while the poller pages through comes again at the end instead of shifting a page."""
    client = api_client_for(users["sysadmin"])
    stamp = timezone.now() - dt.timedelta(hours=1)
    all_units_updated_at(stamp)
    every = list(OrgUnit.objects.order_by("pk").values_list("pk", flat=True))
    assert len(every) > 6

    first = poll(client, (stamp - dt.timedelta(seconds=1)).isoformat(), page_size=3, ordering="-name")
    assert ids(first) == every[:3]           # updated_at, id, whatever ordering asks for
    seen, body = ids(first), first
    # A unit of the first page changes while the poller is on it.
    with acting_as(users["sysadmin"]):
        org_services.orgunit_update(unit=OrgUnit.objects.get(pk=every[0]), name="测试省（更名）")
    while body["next"]:
        query = parse_qs(urlsplit(body["next"]).query)
        assert "page" not in query and query["after_id"] == [str(seen[-1])]
        response = client.get(body["next"])
        assert response.status_code == 200
        body = response.json()
        seen += ids(body)
    assert seen == [*every, every[0]]        # each once in order, then the renamed one again at the end


def test_every_list_with_updated_at_takes_updated_since(tree):
    """Walks every API list of the URL conf (a new module's too): its model has updated_at, so the
    OpenAPI document names the parameter on its list operation, a bad value is 400 on that field, and
    the object its factory makes is listed from an instant before it and not from an instant after."""
    routes = [r for r in checked_routes(discover()) if r.api and r.is_list and has_updated_at(r.model)]
    names = {r.name for r in routes}
    assert {"orgunit-list", "approvalrequest-list", "event-subscriber-list"} <= names, names
    assert len(routes) >= 12, names

    schema = SchemaGenerator().get_schema(request=None, public=True)
    undocumented = [r.name for r in routes
                    if "updated_since" not in {p["name"] for p in schema["paths"][r.url()]["get"].get("parameters", [])}]
    assert undocumented == []

    before = timezone.now() - dt.timedelta(seconds=1)
    walk = build(tree, routes)
    after = timezone.now() + dt.timedelta(seconds=1)
    root = everything_user("walk_root", tree.province)  # shared configuration: the whole tree's to read
    problems, checked = [], 0
    for r in routes:
        obj = walk.objects.get(r.model._meta.label)
        reader = root if r.is_global else walk.insider
        viewers = walk.viewers(r.model, obj) if obj is not None else [reader]
        bad = walk.get(reader, r, r.url(), {"updated_since": "不是时间"})
        if bad.status_code != 400 or "updated_since" not in bad.json().get("error", {}).get("fields", {}):
            problems.append(f"{r.name}: a bad updated_since answered {bad.status_code} {bad.content[:200]!r}")
        if obj is None:
            continue
        for viewer in viewers:
            since = walk.get(viewer, r, r.url(), {"updated_since": before.isoformat(), "page_size": 500})
            if since.status_code == 200 and obj.pk in listed_ids(since, True):
                break
        else:
            problems.append(f"{r.name}: {obj!r} not listed from an instant before it was made")
            continue
        checked += 1
        later = walk.get(viewer, r, r.url(), {"updated_since": after.isoformat()})
        if later.status_code != 200 or obj.pk in listed_ids(later, True):
            problems.append(f"{r.name}: {obj!r} listed from an instant after it was made ({later.status_code})")
    assert problems == [], "\n".join(problems)
    assert checked >= len([r for r in routes if factories.get(r.model) and not r.is_global]) >= 8
