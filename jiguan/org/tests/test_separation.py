"""Separation of duties (三员分立): system, security and audit administrators exclude each other, and
no account is all-powerful (``is_superuser`` gives nothing)."""

import threading
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import URLPattern, reverse

from jiguan.audit.models import Action, AuditEvent
from jiguan.core.testing import make_user
from jiguan.org import services
from jiguan.org import urls as org_urls
from jiguan.org.models import OrgUnit, Role, RoleAssignment, User

pytestmark = pytest.mark.django_db


def role(code):
    return Role.objects.get(code=code)


def org_page_urls(tree, users):
    """Every page of the org app, with real objects for its arguments (new pages are included)."""
    assignment = RoleAssignment.objects.filter(user=users["a_assets"]).first()
    ids = {"unit": tree.city_a.pk, "user": users["a_assets"].pk, "role": role("staff").pk,
           "assignment": assignment.pk}
    urls = []
    for pattern in org_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        name = pattern.name
        if "<int:pk>" in str(pattern.pattern):
            kind = name.split("_")[0]
            urls.append(reverse(f"org:{name}", args=[ids[kind]]))
        else:
            urls.append(reverse(f"org:{name}"))
    return urls


def org_api_urls(tree, users):
    assignment = RoleAssignment.objects.filter(user=users["a_assets"]).first()
    return [
        "/api/v1/org/units/", f"/api/v1/org/units/{tree.city_a.pk}/",
        "/api/v1/org/users/", f"/api/v1/org/users/{users['a_assets'].pk}/",
        "/api/v1/org/roles/", f"/api/v1/org/roles/{role('staff').pk}/",
        "/api/v1/org/assignments/", f"/api/v1/org/assignments/{assignment.pk}/",
    ]


def nav_keys(response):
    return [section["key"] for section in response.context["nav_sections"]]


def nav_urls(response):
    return [item["url"] for section in response.context["nav_sections"] for item in section["items"]]


def personal_menu_urls():
    """Menu entries shown to everyone signed in (no permission: the user's own to-dos and the like)."""
    from jiguan.core import menu

    return {reverse(item.url_name) for section in menu.registered() for item in section.items
            if item.permission is None}


# System administrator -------------------------------------------------------------------------------


class TestSystemAdministrator:
    def test_manages_units_through_the_pages(self, users, tree, client_for):
        client = client_for(users["sysadmin"])
        assert client.get("/org/units/new/").status_code == 200
        response = client.post("/org/units/new/", {
            "parent": tree.city_a.pk, "kind": "county", "name": "甲新区", "region_code": "350122",
            "sort_order": 0, "is_active": "on"})
        unit = OrgUnit.objects.get(name="甲新区")
        assert response.status_code == 302 and response["Location"] == f"/org/units/{unit.pk}/"
        assert unit.path == f"{tree.city_a.path}{unit.pk}/"
        response = client.post(f"/org/units/{unit.pk}/edit/", {
            "kind": "county", "name": "甲新区", "short_name": "新区", "region_code": "350122",
            "sort_order": 0, "is_active": "on"})
        assert response.status_code == 302
        assert OrgUnit.objects.get(pk=unit.pk).short_name == "新区"

    def test_manages_users_through_the_pages(self, users, tree, client_for):
        client = client_for(users["sysadmin"])
        response = client.post("/org/users/new/", {
            "username": "zhangsan", "full_name": "张三", "unit": tree.city_a_dept.pk, "is_active": "on",
            "password": "Qiu#Shui2026x"})
        assert response.status_code == 302
        created = User.objects.get(username="zhangsan")
        assert created.unit == tree.city_a_dept and created.check_password("Qiu#Shui2026x")
        assert client.get("/org/users/").status_code == 200
        assert "zhangsan" in client.get("/org/users/").content.decode()

    def test_manages_units_and_users_through_the_api(self, users, tree, api_client_for):
        client = api_client_for(users["sysadmin"])
        response = client.post("/api/v1/org/units/", {
            "parent": tree.city_b.pk, "kind": "county", "name": "乙新县", "region_code": "350213"})
        assert response.status_code == 201, response.content
        pk = response.json()["id"]
        response = client.patch(f"/api/v1/org/units/{pk}/", {"short_name": "新县"})
        assert response.status_code == 200 and response.json()["short_name"] == "新县"
        response = client.post("/api/v1/org/users/", {"username": "lisi", "unit": pk, "full_name": "李四"})
        assert response.status_code == 201, response.content
        assert User.objects.get(username="lisi").unit_id == pk

    @pytest.mark.parametrize("path", ["/audit/", "/api/v1/audit/events/"])
    def test_cannot_read_the_audit_log(self, users, client_for, path):
        response = client_for(users["sysadmin"]).get(path)
        assert response.status_code == 403

    def test_cannot_read_an_audit_record(self, users, client_for, api_client_for):
        event = AuditEvent.objects.first()
        assert client_for(users["sysadmin"]).get(f"/audit/{event.pk}/").status_code == 403
        assert api_client_for(users["sysadmin"]).get(f"/api/v1/audit/events/{event.pk}/").status_code == 403

    def test_cannot_assign_roles(self, users, tree, client_for, api_client_for):
        client = client_for(users["sysadmin"])
        assignment = RoleAssignment.objects.get(user=users["a_assets"])
        assert client.get("/org/assignments/").status_code == 403
        assert client.get("/org/assignments/new/").status_code == 403
        response = client.post("/org/assignments/new/", {
            "user": users["staff"].pk, "role": role("asset_manager").pk, "unit": tree.city_a.pk})
        assert response.status_code == 403
        assert client.post(f"/org/assignments/{assignment.pk}/revoke/").status_code == 403
        assert client.get("/org/roles/").status_code == 403
        api = api_client_for(users["sysadmin"])
        assert api.get("/api/v1/org/assignments/").status_code == 403
        response = api.post("/api/v1/org/assignments/", {
            "user": users["staff"].pk, "role": role("asset_manager").pk, "unit": tree.city_a.pk})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
        assert api.delete(f"/api/v1/org/assignments/{assignment.pk}/").status_code == 403
        assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
        assert not RoleAssignment.objects.filter(user=users["staff"], role__code="asset_manager").exists()

    def test_menu_has_org_entries_but_no_audit_or_assignments(self, users, client_for):
        response = client_for(users["sysadmin"]).get("/")
        assert "org" in nav_keys(response) and "audit" not in nav_keys(response)
        org_section = next(s for s in response.context["nav_sections"] if s["key"] == "org")
        labels = [item["label"] for item in org_section["items"]]
        assert "组织机构" in labels and "用户" in labels
        assert "角色授权" not in labels
        assert "审计日志" not in response.content.decode()


# Audit administrator --------------------------------------------------------------------------------


class TestAuditAdministrator:
    def test_reads_the_audit_log(self, users, client_for, api_client_for):
        response = client_for(users["auditor"]).get("/audit/")
        assert response.status_code == 200
        assert response.context["rows"]
        assert "审计日志" in response.content.decode()
        response = api_client_for(users["auditor"]).get("/api/v1/audit/events/")
        assert response.status_code == 200
        assert response.json()["count"] == AuditEvent.objects.count()
        event = AuditEvent.objects.first()
        assert client_for(users["auditor"]).get(f"/audit/{event.pk}/").status_code == 200

    def test_every_org_page_is_forbidden(self, users, tree, client_for):
        client = client_for(users["auditor"])
        urls = org_page_urls(tree, users)
        assert len(urls) >= 20
        statuses = {url: client.get(url).status_code for url in urls}
        assert statuses == {url: 403 for url in urls}
        posts = {url: client.post(url, {}).status_code for url in urls}
        assert posts == {url: 403 for url in urls}

    def test_every_org_api_is_forbidden(self, users, tree, api_client_for):
        client = api_client_for(users["auditor"])
        for url in org_api_urls(tree, users):
            response = client.get(url)
            assert response.status_code == 403, url
            assert response.json()["error"]["code"] == "permission_denied"
        assert client.post("/api/v1/org/units/", {"parent": tree.city_a.pk, "kind": "county",
                                                  "name": "审计新建", "region_code": "350122"}).status_code == 403
        assert client.post("/api/v1/org/assignments/", {
            "user": users["staff"].pk, "role": role("asset_manager").pk, "unit": tree.city_a.pk}).status_code == 403
        assert client.patch(f"/api/v1/org/users/{users['staff'].pk}/", {"full_name": "改名"}).status_code == 403
        assert not OrgUnit.objects.filter(name="审计新建").exists()
        assert User.objects.get(pk=users["staff"].pk).full_name != "改名"

    def test_sees_no_org_menu_entries(self, users, client_for):
        response = client_for(users["auditor"]).get("/")
        assert response.status_code == 200
        assert "audit" in nav_keys(response) and "org" not in nav_keys(response)
        assert not [url for url in nav_urls(response) if url.startswith("/org/")]
        html = response.content.decode()
        assert 'href="/org/' not in html
        for label in ("组织与权限", "组织机构", "角色授权", "安全策略"):
            assert label not in html
        assert "审计日志" in html

    def test_audit_rows_cover_the_whole_tenant(self, users, client_for):
        """The audit administrator's grant is at the province: city A and city B events alike."""
        response = client_for(users["auditor"]).get("/audit/", {"actor": "", "object_type": "org.orgunit"})
        reprs = {row["object"].object_repr for row in response.context["rows"]}
        assert {"甲市", "乙市"} <= reprs


# Security administrator -----------------------------------------------------------------------------


class TestSecurityAdministrator:
    def test_grants_and_revokes_through_the_pages(self, users, tree, client_for):
        client = client_for(users["secadmin"])
        assert client.get("/org/assignments/new/").status_code == 200
        response = client.post("/org/assignments/new/", {
            "user": users["staff"].pk, "role": role("asset_manager").pk, "unit": tree.city_a_dept.pk,
            "include_descendants": "on"})
        assert response.status_code == 302
        assignment = RoleAssignment.objects.get(user=users["staff"], role__code="asset_manager")
        assert assignment.granted_by == users["secadmin"] and assignment.unit == tree.city_a_dept
        event = AuditEvent.objects.filter(action=Action.PERMISSION, object_id=str(assignment.pk)).get()
        assert event.actor_username == "secadmin"
        listing = client.get("/org/assignments/").content.decode()
        assert "资产管理员" in listing and "收回" in listing
        response = client.post(f"/org/assignments/{assignment.pk}/revoke/")
        assert response.status_code == 302
        assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
        assert AuditEvent.objects.filter(action=Action.PERMISSION, object_id=str(assignment.pk)).count() == 2

    def test_grants_and_revokes_through_the_api(self, users, tree, api_client_for):
        client = api_client_for(users["secadmin"])
        response = client.post("/api/v1/org/assignments/", {
            "user": users["staff"].pk, "role": role("asset_manager").pk, "unit": tree.city_a.pk,
            "include_descendants": False})
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["granted_by"] == users["secadmin"].pk and body["include_descendants"] is False
        assert client.delete(f"/api/v1/org/assignments/{body['id']}/").status_code == 204
        assert not RoleAssignment.objects.filter(pk=body["id"]).exists()

    def test_unlocks_and_reads_users_and_roles(self, users, client_for):
        client = client_for(users["secadmin"])
        assert client.get("/org/users/").status_code == 200
        assert client.get("/org/roles/").status_code == 200
        assert "系统管理员" in client.get("/org/roles/").content.decode()
        assert client.get("/org/security/").status_code == 200

    def test_cannot_create_or_edit_units(self, users, tree, client_for, api_client_for):
        client = client_for(users["secadmin"])
        assert client.get("/org/units/list/").status_code == 200  # may look, for choosing a scope
        assert client.get("/org/units/new/").status_code == 403
        response = client.post("/org/units/new/", {"parent": tree.city_a.pk, "kind": "county",
                                                   "name": "安全新建", "region_code": "350122", "sort_order": 0})
        assert response.status_code == 403
        assert client.get(f"/org/units/{tree.city_a.pk}/edit/").status_code == 403
        assert client.post(f"/org/units/{tree.city_a.pk}/edit/", {"name": "改名"}).status_code == 403
        assert client.get(f"/org/units/{tree.city_a_agency.pk}/move/").status_code == 403
        api = api_client_for(users["secadmin"])
        response = api.post("/api/v1/org/units/", {"parent": tree.city_a.pk, "kind": "county",
                                                   "name": "安全新建", "region_code": "350122"})
        assert response.status_code == 403
        assert api.patch(f"/api/v1/org/units/{tree.city_a.pk}/", {"name": "改名"}).status_code == 403
        response = api.post(f"/api/v1/org/units/{tree.city_a_agency.pk}/move/", {"parent": tree.city_b.pk})
        assert response.status_code == 403
        assert not OrgUnit.objects.filter(name="安全新建").exists()
        assert OrgUnit.objects.get(pk=tree.city_a.pk).name == "甲市"
        assert OrgUnit.objects.get(pk=tree.city_a_agency.pk).parent_id == tree.city_a.pk

    def test_cannot_create_or_edit_users(self, users, tree, client_for, api_client_for):
        client = client_for(users["secadmin"])
        assert client.get("/org/users/new/").status_code == 403
        assert client.get(f"/org/users/{users['staff'].pk}/edit/").status_code == 403
        api = api_client_for(users["secadmin"])
        assert api.post("/api/v1/org/users/", {"username": "x1", "unit": tree.city_a.pk}).status_code == 403
        assert not User.objects.filter(username="x1").exists()

    @pytest.mark.parametrize("path", ["/audit/", "/api/v1/audit/events/"])
    def test_cannot_read_the_audit_log(self, users, client_for, path):
        assert client_for(users["secadmin"]).get(path).status_code == 403


# Nobody holds two administrator duties --------------------------------------------------------------


@pytest.mark.parametrize("holder,role_code", [
    ("sysadmin", "security_admin"),
    ("sysadmin", "audit_admin"),
    ("secadmin", "system_admin"),
    ("secadmin", "audit_admin"),
    ("auditor", "system_admin"),
    ("auditor", "security_admin"),
    ("auditor", "staff"),  # the audit administrator does nothing else, business roles included
    ("a_assets", "audit_admin"),  # and a business user cannot become an administrator
])
def test_assignment_grant_refuses_a_second_duty(users, tree, holder, role_code):
    before = RoleAssignment.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        services.assignment_grant(user=users[holder], role=role(role_code), unit=tree.city_a,
                                  granted_by=users["secadmin"] if holder != "secadmin" else None)
    assert "三员分立" in excinfo.value.message_dict["role"][0]
    assert (RoleAssignment.objects.count(), AuditEvent.objects.count()) == before


def test_same_duty_over_another_unit_is_allowed(users, tree):
    assignment = services.assignment_grant(user=users["a_assets"], role=role("staff"), unit=tree.city_b,
                                           granted_by=users["secadmin"])
    assert assignment.pk
    services.assignment_grant(user=users["sysadmin"], role=role("system_admin"), unit=tree.city_b,
                              granted_by=users["secadmin"])
    assert RoleAssignment.objects.filter(user=users["sysadmin"]).count() == 2


def test_the_form_shows_the_separation_error(users, tree, client_for):
    client = client_for(users["secadmin"])
    response = client.post("/org/assignments/new/", {
        "user": users["sysadmin"].pk, "role": role("audit_admin").pk, "unit": tree.province.pk,
        "include_descendants": "on"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "三员分立" in html and "系统管理员" in html and "审计管理员" in html
    assert not RoleAssignment.objects.filter(user=users["sysadmin"], role__code="audit_admin").exists()


def test_the_api_returns_the_separation_error(users, tree, api_client_for):
    response = api_client_for(users["secadmin"]).post("/api/v1/org/assignments/", {
        "user": users["auditor"].pk, "role": role("system_admin").pk, "unit": tree.province.pk})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "三员分立" in error["fields"]["role"][0]
    assert not RoleAssignment.objects.filter(user=users["auditor"], role__code="system_admin").exists()


def test_nobody_grants_a_role_to_himself(users, tree, client_for, api_client_for):
    secadmin = users["secadmin"]
    with pytest.raises(PermissionDenied):
        services.assignment_grant(user=secadmin, role=role("security_admin"), unit=tree.city_a,
                                  granted_by=secadmin)
    response = client_for(secadmin).post("/org/assignments/new/", {
        "user": secadmin.pk, "role": role("security_admin").pk, "unit": tree.city_a.pk})
    assert response.status_code == 200
    assert "不能给自己授权" in response.content.decode()
    response = api_client_for(secadmin).post("/api/v1/org/assignments/", {
        "user": secadmin.pk, "role": role("security_admin").pk, "unit": tree.city_a.pk})
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "不能给自己授权。"
    assert RoleAssignment.objects.filter(user=secadmin).count() == 1


def test_builtin_administrator_permissions_are_disjoint(db):
    from jiguan.org.roles import BUILTIN_ROLES

    system = BUILTIN_ROLES["system_admin"].permissions
    security = BUILTIN_ROLES["security_admin"].permissions
    audit = BUILTIN_ROLES["audit_admin"].permissions
    assert not (audit & system) and not (audit & security)
    assert not {p for p in security if p.startswith(("org.add_orgunit", "org.change_orgunit", "org.add_user",
                                                       "org.change_user"))}
    assert not {p for p in system if "roleassignment" in p or p.startswith("audit.")}


# is_superuser is nothing ----------------------------------------------------------------------------


@pytest.fixture
def root(tree):
    return make_user("root", tree.province, is_superuser=True, is_staff=True)


def test_superuser_flag_gives_no_permission(root, tree, users, client_for, api_client_for):
    assert root.is_superuser
    assert not root.has_perm("org.view_orgunit")
    assert not root.has_perm("audit.view_auditevent")
    assert not root.has_perm("org.add_roleassignment")
    assert not root.has_module_perms("org")
    client = client_for(root)
    for url in ("/org/units/list/", "/org/units/", "/org/users/", "/org/roles/", "/org/assignments/",
                "/org/assignments/new/", "/org/units/new/", "/audit/"):
        assert client.get(url).status_code == 403, url
    assert client.get(f"/org/units/{tree.city_a.pk}/").status_code == 403
    api = api_client_for(root)
    for url in ("/api/v1/org/units/", "/api/v1/org/users/", "/api/v1/org/roles/", "/api/v1/org/assignments/",
                "/api/v1/audit/events/"):
        assert api.get(url).status_code == 403, url
    response = api.post("/api/v1/org/assignments/", {"user": root.pk, "role": role("audit_admin").pk,
                                                      "unit": tree.province.pk})
    assert response.status_code == 403
    assert not RoleAssignment.objects.filter(user=root).exists()


def test_superuser_sees_no_menu(root, client_for):
    response = client_for(root).get("/")
    assert response.status_code == 200
    assert "org" not in nav_keys(response) and "audit" not in nav_keys(response)
    assert set(nav_urls(response)) <= personal_menu_urls()
    assert "尚未授予任何角色" in response.content.decode()


def test_superuser_with_a_business_role_gets_only_that_role(tree, client_for):
    user = make_user("root_staff", tree.city_a_dept, [("staff", tree.city_a_dept, False)], is_superuser=True)
    client = client_for(user)
    assert client.get("/org/units/list/").status_code == 200
    assert [row["object"].name for row in client.get("/org/units/list/").context["rows"]] == ["甲市资产管理科"]
    assert client.get("/org/users/").status_code == 403
    assert client.get("/audit/").status_code == 403


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres_only  # real concurrent transactions
def test_two_concurrent_grants_cannot_give_one_user_two_duties(users, tree):
    """While one grant of 系统管理员 is still open, a second grant of 安全管理员 to the same person
    through the API waits for it, then is refused with the separation message."""
    from rest_framework.test import APIClient

    target = make_user("newadmin", tree.prov_agency, full_name="新管理员")
    started, response = threading.Event(), {}

    def second_grant():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                response["pid"] = cursor.fetchone()[0]
            started.set()
            client = APIClient()
            client.force_authenticate(users["secadmin"])
            answer = client.post("/api/v1/org/assignments/", {
                "user": target.pk, "role": role("security_admin").pk, "unit": tree.province.pk})
            response["status"], response["body"] = answer.status_code, answer.json()
        finally:
            connection.close()

    thread = threading.Thread(target=second_grant)
    with transaction.atomic():
        services.assignment_grant(user=target, role=role("system_admin"), unit=tree.province,
                                  granted_by=users["secadmin"])
        thread.start()
        assert started.wait(timeout=10)
        deadline = time.monotonic() + 20
        with connection.cursor() as cursor:
            while True:  # until the second grant is blocked by this open transaction
                cursor.execute("SELECT cardinality(pg_blocking_pids(%s)) > 0", [response["pid"]])
                if cursor.fetchone()[0]:
                    break
                assert time.monotonic() < deadline, "the second grant never waited for the first"
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert response["status"] == 400, response
    assert response["body"]["error"]["fields"]["role"] == [
        "三员分立：新管理员 已担任“系统管理员”，不能再担任“安全管理员”。"]
    assert list(RoleAssignment.objects.filter(user=target).values_list("role__code", flat=True)) == ["system_admin"]
