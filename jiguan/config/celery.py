"""Celery application. In the embedded default tasks run eagerly (CELERY_TASK_ALWAYS_EAGER)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiguan.config.settings.production")
app = Celery("jiguan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
