"""What a user and an operator notice of the example plug-in on one site: run by test_plugins.py in a
separate process (``python plugin_probe.py installed|removed``), with the plug-in's throw-away
install directory on PYTHONPATH or not, on a file SQLite (or PostgreSQL) database both runs share.
Prints one JSON object on its last line.

``installed`` migrates a new database, makes a tree, a seal keeper (印章管理员) of city A and a member
of staff, and three seals (two in city A, one in city B) through the plug-in's register, then reads
the home page, the API, the pages, the widgets, the search, the business types and the OpenAPI
document as they are. ``removed`` reads the same as the plug-in's absence leaves them, and what is
left in the database. Both run ``check`` and ``makemigrations --check``.

Only kernel modules are imported: the plug-in's model is reached through the app registry.
"""

from __future__ import annotations

import io
import json
import sys

import django

SEAL_API = "/api/v1/example-plugin/seals/"
PAGES = "/p/example-plugin/"
TABLE = "example_plugin_seal"


def command(name: str, *args) -> dict:
    from django.core.management import call_command

    out = io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code or 0
    return {"code": code, "output": out.getvalue()}


def seen_by(client, user) -> dict:
    from jiguan.core import dashboard, search

    home = client.get("/")
    api = client.get(SEAL_API)
    overview = client.get(PAGES)
    seal_list = client.get(f"{PAGES}seals/")
    return {
        "home_status": home.status_code,
        # the section's title, in the navigation and on the home page (not the role 印章管理员)
        "home_has_section": 'class="bi bi-patch-check me-1"></i>印章管理<' in home.content.decode(),
        "home_has_seal_list": f'href="{PAGES}seals/"' in home.content.decode(),
        "home_has_overview": f'href="{PAGES}"' in home.content.decode(),
        "home_lists_role": "印章管理员" in home.content.decode(),
        "api_status": api.status_code,
        "api_names": sorted(row["name"] for row in api.json().get("results", [])) if api.status_code == 200 else [],
        "api_body": api.json() if api.status_code != 200 else None,
        "overview_status": overview.status_code,
        "overview_text": overview.content.decode() if overview.status_code == 200 else "",
        "list_status": seal_list.status_code,
        "list_text": seal_list.content.decode() if seal_list.status_code == 200 else "",
        "widgets": {w["key"]: w["data"]["value"] for w in dashboard.for_user(user) if w["key"].startswith("example_plugin.")},
        "search": [hit.title for group in search.search(user, "公章") for hit in group["hits"]
                   if group["key"] == "example_plugin.seal"],
    }


def business_types() -> list[str]:
    """The business types the system administrator can set a flow up for (审批流程配置's filter)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="sysadmin"))
    page = client.get("/workflow/flows/")
    assert page.status_code == 200, page.status_code
    select = page.content.decode().split('name="business_type"', 1)[1].split("</select>", 1)[0]
    return [option.split(">", 1)[1].split("<", 1)[0] for option in select.split("<option")[2:]]


def installed() -> dict:
    from django.apps import apps
    from django.test import Client

    from jiguan.core import registers
    from jiguan.core.context import acting_as
    from jiguan.core.testing import build_tree, make_user

    tree = build_tree()
    keeper = make_user("seal_keeper_a", tree.city_a_agency, [("seal_keeper", tree.city_a, True)])
    staff = make_user("staff_a", tree.city_a_agency, [("staff", tree.city_a, True)])
    other = make_user("seal_keeper_b", tree.city_b_agency, [("seal_keeper", tree.city_b, True)])
    make_user("sysadmin", tree.prov_agency, [("system_admin", tree.province, True)])
    make_user("auditor", tree.prov_agency, [("audit_admin", tree.province, True)])
    seal = apps.get_model("example_plugin", "Seal")
    register = registers.register_of(seal)
    for actor, unit, name in [(keeper, tree.city_a_agency, "甲市机关事务管理局公章"),
                              (keeper, tree.city_a_agency, "甲市机关事务管理局财务专用章"),
                              (other, tree.city_b_agency, "乙市机关事务管理局公章")]:
        with acting_as(actor, channel="command"):
            register.create(seal(unit=unit, name=name, keeper="张三"), actor=actor)
    keeper_client, staff_client = Client(), Client()
    keeper_client.force_login(keeper)
    staff_client.force_login(staff)
    return {"keeper": seen_by(keeper_client, keeper), "staff": seen_by(staff_client, staff),
            "business_types": business_types()}


def removed() -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    keeper = get_user_model().objects.get(username="seal_keeper_a")
    client = Client()
    client.force_login(keeper)
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        rows = []
        if TABLE in tables:
            cursor.execute(f"SELECT name FROM {TABLE} ORDER BY name")  # noqa: S608 - a fixed table name
            rows = [name for (name,) in cursor.fetchall()]
        cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = %s", ["example_plugin"])
        (migrations,) = cursor.fetchone()
    auditor = Client()
    auditor.force_login(get_user_model().objects.get(username="auditor"))
    audit_log = auditor.get("/audit/")
    from jiguan.org.models import Role

    role = Role.objects.filter(code="seal_keeper").values("is_active", "retired_at", "assignments").first()
    return {"keeper": seen_by(client, keeper), "tables_left": TABLE in tables, "rows_left": rows,
            "role": {"is_active": role["is_active"], "retired": role["retired_at"] is not None,
                     "assigned": role["assignments"] is not None} if role else None,
            "audit_log_status": audit_log.status_code,
            "audit_log_lists_seal": "甲市机关事务管理局公章" in audit_log.content.decode(),
            "migrations_recorded": migrations,
            "business_types": business_types()}


def main(mode: str) -> dict:
    django.setup()
    from django.apps import apps
    from django.conf import settings
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host (testserver) is allowed
    from drf_spectacular.generators import SchemaGenerator

    result = {"migrate": command("migrate", "--no-input", "-v", "0")}
    if result["migrate"]["code"]:
        return result
    result.update(installed() if mode == "installed" else removed())
    result["plugins"] = [plugin.name for plugin in settings.JIGUAN_INSTALLED_PLUGINS]
    result["app_installed"] = apps.is_installed("jiguan_example_plugin")
    schema = SchemaGenerator().get_schema(request=None, public=True)
    result["schema_paths"] = sorted(p for p in schema["paths"] if "example-plugin" in p)
    result["check"] = command("check")
    result["makemigrations"] = command("makemigrations", "--check", "--dry-run")
    return result


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1]), ensure_ascii=False, default=str))
