from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "jiguan.core"
    label = "core"
    verbose_name = _("平台框架")

    def ready(self):
        from . import jobs  # noqa: F401 - registers the kernel's Celery tasks (core.import_run)
