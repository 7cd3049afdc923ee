"""Plug-in apps (插件, jiguan.core.plugins; issue 18, acceptance 5).

Discovery is tested with entry points of throw-away distributions (a package and its
``<name>-<version>.dist-info`` in a temporary directory, which importlib.metadata finds on sys.path).
The example plug-in (plugins/jiguan-example-plugin) is installed the same way, never into the
project's environment: one process runs the site with it on PYTHONPATH, a second one on the same
database without it (plugin_probe.py), and the test reads what each saw.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tomllib
import types
import uuid
from importlib import metadata
from pathlib import Path

import pytest

from jiguan.core import plugins

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "plugins" / "jiguan-example-plugin"
PROBE = Path(__file__).with_name("plugin_probe.py")
KERNEL = {"core", "org", "audit", "notifications", "workflow", "standards"}


def install(target: Path, package: Path | None, name: str, version: str, entry_points: dict[str, str]) -> Path:
    """Install ``package`` (a source folder) into ``target`` as distribution ``name`` with these
    ``jiguan.plugins`` entry points, as pip would lay it out (without pip). Returns ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    if package is not None:
        shutil.copytree(package, target / package.name, ignore=shutil.ignore_patterns("__pycache__"))
    info = target / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
    lines = [f"[{plugins.ENTRY_POINT_GROUP}]", *(f"{key} = {value}" for key, value in entry_points.items())]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def entry_points_in(path: Path) -> list:
    """The ``jiguan.plugins`` entry points of the distributions installed in ``path`` (with their
    distribution, as the installed ones have)."""
    return [ep for dist in metadata.distributions(path=[str(path)]) for ep in dist.entry_points
            if ep.group == plugins.ENTRY_POINT_GROUP]


def write_app(root: Path, package: str, *, apps_source: str | None = None) -> Path:
    folder = root / "src" / package
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("", encoding="utf-8")
    (folder / "apps.py").write_text(apps_source or (
        "from django.apps import AppConfig\n\n\n"
        f"class Config(AppConfig):\n    name = {package!r}\n"), encoding="utf-8")
    return folder


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A throw-away install directory on sys.path; yields a function installing a fake plug-in."""
    path = tmp_path / "site"
    path.mkdir()
    monkeypatch.syspath_prepend(str(path))
    added = []

    def add(package: str, entry_points: dict[str, str], *, name: str | None = None, apps_source=None):
        folder = write_app(tmp_path, package, apps_source=apps_source)
        added.append(package)
        dist_name = name or package.replace("_", "-")
        install(path, folder, dist_name, "0.1", entry_points)
        return [ep for ep in entry_points_in(path) if ep.dist.name == dist_name]

    yield add
    for module in [m for m in sys.modules if m.split(".")[0] in added]:
        del sys.modules[module]


# Discovery ----------------------------------------------------------------------------------------


def test_one_app_declared_twice_is_refused(site):
    found = site("acme_seals", {"seals": "acme_seals.apps:Config", "seals2": "acme_seals"})
    with pytest.raises(plugins.PluginError, match="seals.*seals2.*install the same app 'acme_seals'"):
        plugins.discover(entry_points=found)


def test_app_config_and_package_forms(site):
    found = site("acme_seals", {"seals": "acme_seals.apps:Config"})
    found += site("acme_keys", {"keys": "acme_keys"})
    assert plugins.discover(entry_points=found) == [
        plugins.Plugin(name="keys", app="acme_keys", module="acme_keys", distribution="acme-keys 0.1"),
        plugins.Plugin(name="seals", app="acme_seals.apps.Config", module="acme_seals", distribution="acme-seals 0.1"),
    ]


def test_only_and_all_but_choose_by_entry_point_name(site):
    found = site("acme_seals", {"seals": "acme_seals.apps:Config"}) + site("acme_keys", {"keys": "acme_keys"})
    assert [p.name for p in plugins.discover(["seals"], entry_points=found)] == ["seals"]
    assert [p.name for p in plugins.discover(None, ["seals"], entry_points=found)] == ["keys"]
    assert [p.name for p in plugins.discover(["seals", "keys"], ["keys"], entry_points=found)] == ["seals"]
    # a disabled name that is not installed (any more) is no error; an enabled one is
    assert [p.name for p in plugins.discover(None, ["gone"], entry_points=found)] == ["keys", "seals"]
    with pytest.raises(plugins.PluginError) as error:
        plugins.discover(["seal"], entry_points=found)
    assert str(error.value) == "JIGUAN_PLUGINS names seal, which is not installed (installed plug-ins: keys, seals)."


def test_a_plugin_that_fails_to_import_stops_the_start_naming_it(site):
    found = site("acme_broken", {"broken": "acme_broken.apps:Config"}, name="acme-broken",
                 apps_source="import acme_missing_dependency  # noqa\n")
    with pytest.raises(plugins.PluginError) as error:
        plugins.discover(entry_points=found)
    message = str(error.value)
    assert message.startswith("Jiguan plug-in 'broken' (acme-broken 0.1, jiguan.plugins = 'acme_broken.apps:Config') "
                              "cannot be imported: ModuleNotFoundError: No module named 'acme_missing_dependency'.")
    assert "JIGUAN_PLUGINS_DISABLED" in message
    # disabled, it is not even imported
    assert plugins.discover(None, ["broken"], entry_points=found) == []


def test_an_entry_point_naming_something_else_is_refused(site):
    found = site("acme_odd", {"odd": "acme_odd.apps:AppConfig.ready"})
    with pytest.raises(plugins.PluginError, match="'odd'.*must name a Django AppConfig subclass or the app's package"):
        plugins.discover(entry_points=found)


def test_one_name_declared_by_two_distributions_is_refused(site):
    found = site("acme_seals", {"seals": "acme_seals.apps:Config"}) + site(
        "other_seals", {"seals": "other_seals.apps:Config"})
    with pytest.raises(plugins.PluginError, match="'seals' is declared twice: by acme-seals 0.1 .* and by other-seals"):
        plugins.discover(entry_points=found)


def test_url_prefix_defaults_to_p_label_and_refuses_api_and_root():
    def config(**attrs):
        return types.SimpleNamespace(name="acme_seals", label="acme_seals", **attrs)

    assert plugins.url_prefix(config()) == "p/acme-seals/"
    assert plugins.url_prefix(config(jiguan_url_prefix="seals/")) == "seals/"
    for bad in ("/seals/", "seals", "api/", "api/v1/"):
        with pytest.raises(plugins.PluginError, match="jiguan_url_prefix"):
            plugins.url_prefix(config(jiguan_url_prefix=bad))


def test_the_urls_of_each_plugin_app_are_mounted(settings):
    """Each plug-in app's urls under its prefix, in the namespace its pages are named in, and its
    api.urls under /api/v1/; with no plug-in (the default), nothing. (The kernel example stands in
    for a plug-in's app here: it has both modules.)"""
    settings.JIGUAN_INSTALLED_PLUGINS = []
    assert plugins.installed() == [] and plugins.urlpatterns() == [] and plugins.api_urlpatterns() == []
    settings.JIGUAN_INSTALLED_PLUGINS = [plugins.Plugin(name="keys", app="jiguan.kernel_example",
                                                        module="jiguan.kernel_example", distribution="keys 1.0")]
    [(plugin, config)] = plugins.installed()
    assert plugin.name == "keys" and config.label == "kernel_example"
    [pages] = plugins.urlpatterns()
    assert str(pages.pattern) == "p/kernel-example/" and pages.namespace == "kernel_example"
    assert {p.name for p in pages.url_patterns} >= {"key_list", "key_detail", "keyhandover_list"}
    [api] = plugins.api_urlpatterns()
    assert str(api.pattern) == "" and any("kernel-example/keys" in str(p.pattern) for p in api.url_patterns)


# The example plug-in ------------------------------------------------------------------------------


def example_entry_points() -> dict[str, str]:
    """The example's entry points, as its pyproject.toml declares them."""
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return project["entry-points"][plugins.ENTRY_POINT_GROUP]


def test_the_example_plugin_imports_only_the_kernel():
    """A plug-in is outside the ``jiguan`` package, so lint-imports does not see it: the example
    imports no domain app of Jiguan (assets ...), only the kernel apps."""
    imported = set()
    for path in (EXAMPLE / "jiguan_example_plugin").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
            imported |= {name for name in names if name.split(".")[0] == "jiguan"}
    assert imported, "the example imports the kernel"
    assert {name.split(".")[1] for name in imported} <= KERNEL, sorted(imported)


def run_probe(mode: str, database_url: str, var_dir: Path, extra_path: Path | None = None) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in {"JIGUAN_PLUGINS", "JIGUAN_PLUGINS_DISABLED", "PYTEST_XDIST_WORKER"}}
    env.update(DATABASE_URL=database_url, JIGUAN_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="jiguan.config.settings.test",
               PYTHONPATH=os.pathsep.join([*([str(extra_path)] if extra_path else []), str(ROOT)]))
    done = subprocess.run([sys.executable, str(PROBE), mode], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def plugin_database(request, tmp_path):
    """A database of its own for the two runs: a file SQLite database, or (postgresql) a new
    database next to the test database, dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'site.sqlite3'}"
        return
    import psycopg
    from django.db import connection

    params = connection.settings_dict
    name = f"{params['NAME']}_plugins_{uuid.uuid4().hex[:8]}"
    conninfo = {"host": params["HOST"] or "127.0.0.1", "port": params["PORT"] or 5432, "user": params["USER"],
                "password": params["PASSWORD"] or None, "dbname": "postgres"}
    with psycopg.connect(**conninfo, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
        yield f"postgres://{params['USER']}{password}@{conninfo['host']}:{conninfo['port']}/{name}"
    finally:
        with psycopg.connect(**conninfo, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("plugin_database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres_only)],
                         indirect=True)
def test_the_example_plugin_installed_then_removed(tmp_path, plugin_database):
    site_dir = install(tmp_path / "site", EXAMPLE / "jiguan_example_plugin", "jiguan-example-plugin", "0.1",
                       example_entry_points())

    # Installed: the seal keeper of city A finds it in the menu, reads the seals of city A in the
    # API and on its pages; a member of staff does not see it.
    on = run_probe("installed", plugin_database, tmp_path / "var", site_dir)
    assert on["plugins"] == ["example"] and on["app_installed"]
    keeper, staff = on["keeper"], on["staff"]
    assert keeper["home_status"] == 200 and keeper["home_has_section"] and keeper["home_lists_role"]
    assert keeper["home_has_seal_list"] and keeper["home_has_overview"]
    assert keeper["api_status"] == 200
    assert keeper["api_names"] == ["甲市机关事务管理局公章", "甲市机关事务管理局财务专用章"]
    assert keeper["overview_status"] == 200 and "印章概览" in keeper["overview_text"]
    assert keeper["list_status"] == 200 and "甲市机关事务管理局公章" in keeper["list_text"]
    assert "乙市机关事务管理局公章" not in keeper["list_text"]
    assert keeper["widgets"] == {"example_plugin.seal.count": 2, "example_plugin.seals_in_use": 2}
    assert keeper["search"] == ["甲市机关事务管理局公章"]
    assert not staff["home_has_section"] and not staff["home_has_seal_list"]
    assert staff["api_status"] == 403 and staff["list_status"] == 403 and staff["widgets"] == {}
    assert "印章刻制" in on["business_types"] and "资产调拨" in on["business_types"]
    assert on["schema_paths"] == ["/api/v1/example-plugin/seals/", "/api/v1/example-plugin/seals/{id}/"]
    assert on["check"]["code"] == 0 and on["makemigrations"] == {"code": 0, "output": "No changes detected\n"}

    # Removed from the path, on the same database: the site starts and nothing of the plug-in
    # shows, but its table and rows are still there.
    off = run_probe("removed", plugin_database, tmp_path / "var")
    assert off["plugins"] == [] and not off["app_installed"]
    keeper = off["keeper"]
    assert keeper["home_status"] == 200
    assert not keeper["home_has_section"] and not keeper["home_has_seal_list"] and not keeper["home_has_overview"]
    # its role is switched off (it grants nothing, the home page no longer lists it), kept with its assignment
    assert not keeper["home_lists_role"] and off["role"] == {"is_active": False, "retired": True, "assigned": True}
    assert keeper["api_status"] == 404 and keeper["api_body"]["error"]["code"] == "not_found"
    assert keeper["overview_status"] == 404 and keeper["list_status"] == 404
    assert keeper["widgets"] == {} and keeper["search"] == []
    assert "印章刻制" not in off["business_types"] and "资产调拨" in off["business_types"]
    assert off["schema_paths"] == []
    assert off["check"]["code"] == 0 and off["makemigrations"] == {"code": 0, "output": "No changes detected\n"}
    assert off["tables_left"] and off["migrations_recorded"] == 1
    # the audit trail of its writes is still read (by the audit administrator) without it
    assert off["audit_log_status"] == 200 and off["audit_log_lists_seal"]
    assert off["rows_left"] == sorted(["甲市机关事务管理局公章", "甲市机关事务管理局财务专用章", "乙市机关事务管理局公章"])


def test_a_broken_plugin_stops_manage_py_naming_it(tmp_path):
    folder = write_app(tmp_path, "acme_broken", apps_source="raise RuntimeError('配置缺失')\n")
    site_dir = install(tmp_path / "site", folder, "acme-broken", "0.3", {"broken": "acme_broken.apps:Config"})
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site_dir), str(ROOT)]),
           "DJANGO_SETTINGS_MODULE": "jiguan.config.settings.test", "JIGUAN_VAR_DIR": str(tmp_path / "var"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    env.pop("JIGUAN_PLUGINS", None)
    env.pop("JIGUAN_PLUGINS_DISABLED", None)
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode != 0
    assert ("jiguan.core.plugins.PluginError: Jiguan plug-in 'broken' (acme-broken 0.3, "
            "jiguan.plugins = 'acme_broken.apps:Config') cannot be imported: RuntimeError: 配置缺失.") in done.stderr
