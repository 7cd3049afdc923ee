"""Query-count baselines: a list page or an API list issues the same number of queries for 5 rows as
for 40 (no N+1), and stays under a small ceiling.

Each case grows its own rows inside a fresh unit "计数处" under city A, so the lists count exactly the
rows made here; the viewer's scope (or a filter) selects that subtree.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiguan.audit import services as audit
from jiguan.audit.models import Action, AuditEvent
from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.org import services
from jiguan.org.models import OrgKind, OrgUnit, Role, RoleAssignment, User

pytestmark = pytest.mark.django_db

SMALL, LARGE = 5, 40
CEILING = 20  # queries for any list page or API list, whatever its length


class Rows:
    """Brings each counted data set to ``n`` rows (only ever grows)."""

    def __init__(self, tree, users):
        self.tree, self.users = tree, users
        with acting_as(None, channel="command"):
            self.unit = services.orgunit_create(parent=tree.city_a, kind=OrgKind.AGENCY, name="计数处",
                                                credit_code=_credit_code())
        self.viewer = make_user("qc_viewer", tree.city_a, [("asset_manager", self.unit, True)])
        self.actor = make_user("qc_actor", self.unit)
        self.staff_role = Role.objects.get(code="staff")

    def units(self, n):
        with acting_as(None, channel="command"):
            for i in range(OrgUnit.objects.filter(path__startswith=self.unit.path).count(), n):
                services.orgunit_create(parent=self.unit, kind=OrgKind.DEPARTMENT, name=f"计数处第{i}科")
        assert OrgUnit.objects.filter(path__startswith=self.unit.path).count() == n

    def users_(self, n):
        for i in range(User.objects.filter(unit__path__startswith=self.unit.path).count(), n):
            make_user(f"qc_user_{i:02d}", self.unit, full_name=f"计数员{i}")
        assert User.objects.filter(unit__path__startswith=self.unit.path).count() == n

    def assignments(self, n):
        existing = RoleAssignment.objects.filter(user__username__startswith="qc_as_").count()
        for i in range(existing, n):
            user = make_user(f"qc_as_{i:02d}", self.tree.city_a_dept)
            with acting_as(self.users["secadmin"], channel="command"):
                services.assignment_grant(user=user, role=self.staff_role, unit=self.tree.city_a_dept,
                                          include_descendants=False, granted_by=self.users["secadmin"])
        assert RoleAssignment.objects.filter(user__username__startswith="qc_as_").count() == n

    def events(self, n):
        for i in range(AuditEvent.objects.filter(org_path__startswith=self.unit.path).count(), n):
            audit.record(Action.EXPORT, actor=self.actor, object_type_label="org.orgunit",
                         object_repr=f"计数导出{i}", message="计数")
        assert AuditEvent.objects.filter(org_path__startswith=self.unit.path).count() == n


def _credit_code():
    from jiguan.org.demo import credit_code

    return credit_code(OrgKind.AGENCY, "350100", 901)


@pytest.fixture
def rows(tree, users):
    return Rows(tree, users)


def measure(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, (url, response.status_code)
    return response, len(queries)


def page_rows(response):
    return len(response.context["rows"])


def api_rows(response):
    body = response.json()
    assert body["count"] == len(body["results"])
    return body["count"]


# (name, how to grow rows, viewer, url, params, row counter)
CASES = [
    ("unit list", "units", "viewer", "/org/units/list/", {}, page_rows),
    ("unit tree", "units", "viewer", "/org/units/", {}, None),
    ("user list", "users_", "viewer", "/org/users/", {}, page_rows),
    ("assignment list", "assignments", "secadmin", "/org/assignments/", {"q": "qc_as_"}, page_rows),
    ("audit list", "events", "auditor", "/audit/", {"unit": "UNIT"}, page_rows),
    ("unit API", "units", "viewer", "/api/v1/org/units/", {}, api_rows),
    ("user API", "users_", "viewer", "/api/v1/org/users/", {}, api_rows),
    ("assignment API", "assignments", "secadmin", "/api/v1/org/assignments/", {"q": "qc_as_"}, api_rows),
    ("audit API", "events", "auditor", "/api/v1/audit/events/", {"unit": "UNIT"}, api_rows),
]


@pytest.mark.parametrize("name,grow,viewer,url,params,counter", CASES, ids=[c[0] for c in CASES])
def test_query_count_does_not_grow_with_rows(rows, users, client_for, api_client_for,
                                             django_assert_max_num_queries,
                                             name, grow, viewer, url, params, counter):
    user = rows.viewer if viewer == "viewer" else users[viewer]
    params = {k: (rows.unit.pk if v == "UNIT" else v) for k, v in params.items()}
    make_client = api_client_for if url.startswith("/api/") else client_for

    getattr(rows, grow)(SMALL)
    client = make_client(user)
    measure(client, url, params)  # warm-up: content types, session row
    response, small = measure(client, url, params)
    if counter:
        assert counter(response) == SMALL

    getattr(rows, grow)(LARGE)
    with django_assert_max_num_queries(small):
        response, large = measure(client, url, params)
    if counter:
        assert counter(response) == LARGE
    else:  # the tree: the top unit opens with every child listed
        html = response.content.decode()
        assert "计数处第39科" in html and "计数处第1科" in html

    assert large == small, f"{name}: {small} queries for {SMALL} rows, {large} for {LARGE}"
    assert small <= CEILING, f"{name}: {small} queries"


def test_export_query_count_does_not_grow_with_rows(rows, client_for, django_assert_max_num_queries):
    """The Excel export reads rows in chunks with the list's select_related: no query per row."""
    client = client_for(rows.viewer)
    rows.users_(SMALL)
    measure(client, "/org/users/", {"export": "xlsx"})
    _response, small = measure(client, "/org/users/", {"export": "xlsx"})
    rows.users_(LARGE)
    with django_assert_max_num_queries(small):
        response, _large = measure(client, "/org/users/", {"export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
