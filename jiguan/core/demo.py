"""Demo data registry: each app may have a ``demo`` module with ``load(out)``; ``manage.py load_demo``
runs them in INSTALLED_APPS order. Loaders are idempotent (running ``make demo`` twice reuses data)."""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps


def loaders():
    for app_config in apps.get_app_configs():
        module_name = f"{app_config.name}.demo"
        if app_config.name.startswith("jiguan.") and app_config.name != "jiguan.core" and find_spec(module_name):
            yield app_config.label, import_module(module_name)
