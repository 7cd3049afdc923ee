"""Plug-in apps (插件): installed Python distributions that add a module to Jiguan without editing it.

A plug-in declares itself with an entry point in the group ``jiguan.plugins``, naming its Django app
(its ``AppConfig`` subclass, or its package, whose default ``AppConfig`` Django then uses)::

    [project.entry-points."jiguan.plugins"]
    example = "jiguan_example_plugin.apps:ExamplePluginConfig"

The settings call ``discover()`` and append the plug-ins' apps to ``INSTALLED_APPS`` after the built-in
ones; from there a plug-in is a module like any other: its ``ready()`` and ``registers.py`` declare its
menu entries, roles, business types, widgets, search and registers through the same kernel calls a
built-in module makes. The root URLconf mounts, for every plug-in app, its ``urls`` module under
``p/<label>/`` (or the app config's ``jiguan_url_prefix``) and its ``api.urls`` module under
``/api/v1/`` (``urlpatterns()``, ``api_urlpatterns()``).

A plug-in that cannot be imported stops the start with a ``PluginError`` naming it: it never vanishes
silently. ``JIGUAN_PLUGINS`` (only these, by entry point name) and ``JIGUAN_PLUGINS_DISABLED`` (all but
these) choose among the installed ones. docs/development/plugins.md is the developer's page.

Settings import this module before Django is set up: nothing here may import a model.
"""

from __future__ import annotations

import importlib
import importlib.util
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured

ENTRY_POINT_GROUP = "jiguan.plugins"


class PluginError(ImproperlyConfigured):
    """A plug-in that cannot be installed: the message names it and says why."""


@dataclass(frozen=True)
class Plugin:
    name: str          # the entry point's name: what JIGUAN_PLUGINS and JIGUAN_PLUGINS_DISABLED list
    app: str           # the INSTALLED_APPS entry: an AppConfig's dotted path, or the app's package
    module: str        # the app's package (AppConfig.name)
    distribution: str  # "<distribution> <version>" that declared it, for messages

    def __str__(self) -> str:
        return f"{self.name} ({self.distribution})"


def _distribution(entry_point) -> str:
    dist = getattr(entry_point, "dist", None)
    if dist is None:
        return "unknown distribution"
    return f"{dist.metadata['Name'] or dist.name} {dist.version}"


def _load(entry_point) -> Plugin:
    label = f"plug-in {entry_point.name!r} ({_distribution(entry_point)}, {ENTRY_POINT_GROUP} = {entry_point.value!r})"
    try:
        target = entry_point.load()
    except Exception as error:
        raise PluginError(f"Jiguan {label} cannot be imported: {type(error).__name__}: {error}. "
                          f"Fix or uninstall it, or list {entry_point.name!r} in JIGUAN_PLUGINS_DISABLED.") from error
    if isinstance(target, type) and issubclass(target, AppConfig):
        module = getattr(target, "name", None)
        if not module:
            raise PluginError(f"Jiguan {label}: its AppConfig {target.__qualname__} has no 'name'.")
        app = f"{target.__module__}.{target.__qualname__}"
    elif isinstance(target, types.ModuleType):
        app = module = target.__name__
    else:
        raise PluginError(f"Jiguan {label} names {target!r}: it must name a Django AppConfig subclass "
                          f"or the app's package.")
    return Plugin(name=entry_point.name, app=app, module=module, distribution=_distribution(entry_point))


def discover(enabled: Sequence[str] | None = None, disabled: Iterable[str] = (),
             entry_points: Iterable | None = None) -> list[Plugin]:
    """The installed plug-ins to run, in the order of their entry point names.

    ``enabled``: only these names (None or empty: every installed plug-in); a name that is not
    installed is an error. ``disabled``: these are left out, not even imported (a name that is not
    installed is ignored, so a disabled plug-in may be uninstalled). ``entry_points``: for tests,
    instead of the group's entry points of the installed distributions."""
    found = list(metadata.entry_points(group=ENTRY_POINT_GROUP) if entry_points is None else entry_points)
    by_name: dict[str, object] = {}
    for entry_point in found:
        other = by_name.get(entry_point.name)
        if other is not None and other.value != entry_point.value:
            raise PluginError(f"Jiguan plug-in {entry_point.name!r} is declared twice: by "
                              f"{_distribution(other)} ({other.value!r}) and by {_distribution(entry_point)} "
                              f"({entry_point.value!r}). Uninstall one of them.")
        by_name[entry_point.name] = entry_point
    enabled = [name for name in (enabled or []) if name]
    missing = [name for name in enabled if name not in by_name]
    if missing:
        installed = ", ".join(sorted(by_name)) or "none"
        raise PluginError(f"JIGUAN_PLUGINS names {', '.join(missing)}, which is not installed "
                          f"(installed plug-ins: {installed}).")
    skipped = set(disabled)
    chosen = [name for name in sorted(by_name) if (not enabled or name in enabled) and name not in skipped]
    plugins = [_load(by_name[name]) for name in chosen]
    modules: dict[str, Plugin] = {}
    for plugin in plugins:
        if plugin.module in modules:
            raise PluginError(f"Jiguan plug-ins {modules[plugin.module]} and {plugin} install the same app "
                              f"{plugin.module!r}.")
        modules[plugin.module] = plugin
    return plugins


# After setup: the plug-ins' app configs and URLs --------------------------------------------------------


def installed() -> list[tuple[Plugin, AppConfig]]:
    """The running plug-ins with their app configs (settings.JIGUAN_INSTALLED_PLUGINS)."""
    from django.apps import apps
    from django.conf import settings

    by_module = {config.name: config for config in apps.get_app_configs()}
    return [(plugin, by_module[plugin.module]) for plugin in getattr(settings, "JIGUAN_INSTALLED_PLUGINS", [])
            if plugin.module in by_module]


def url_prefix(config: AppConfig) -> str:
    """Where the plug-in's pages live: ``jiguan_url_prefix`` of its app config, default ``p/<label>/``
    (underscores as dashes)."""
    prefix = getattr(config, "jiguan_url_prefix", None) or f"p/{config.label.replace('_', '-')}/"
    if not prefix.endswith("/") or prefix.startswith("/") or prefix.strip("/") in {"", "api", "api/v1"}:
        raise PluginError(f"Jiguan plug-in app {config.name}: jiguan_url_prefix {prefix!r} must be a relative "
                          f"path ending in '/', outside /api/.")
    return prefix


def _urls_module(config: AppConfig, attribute: str, default: str):
    name = getattr(config, attribute, None) or f"{config.name}.{default}"
    try:
        spec = importlib.util.find_spec(name)
    except ModuleNotFoundError:
        spec = None
    return importlib.import_module(name) if spec is not None else None


def urlpatterns() -> list:
    """The plug-ins' pages, for the root URLconf: each plug-in app's ``urls`` module (or its app
    config's ``jiguan_urls``) under its ``url_prefix``, in the namespace of its ``app_name`` (default:
    the app label, which the kernel's registers name their pages in)."""
    from django.urls import include, path

    patterns = []
    for _plugin, config in installed():
        module = _urls_module(config, "jiguan_urls", "urls")
        if module is not None:
            namespace = getattr(module, "app_name", None) or config.label
            patterns.append(path(url_prefix(config), include((module, namespace))))
    return patterns


def api_urlpatterns() -> list:
    """The plug-ins' API routes, for ``/api/v1/``: each plug-in app's ``api.urls`` module (or its app
    config's ``jiguan_api_urls``), mounted as a built-in module's (``path("", include(...))``)."""
    from django.urls import include, path

    patterns = []
    for _plugin, config in installed():
        module = _urls_module(config, "jiguan_api_urls", "api.urls")
        if module is not None:
            patterns.append(path("", include(module)))
    return patterns
