from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KernelExampleConfig(AppConfig):
    name = "jiguan.kernel_example"
    label = "kernel_example"
    verbose_name = _("内核示例")

    def ready(self):
        from jiguan.org import roles
        from jiguan.org.models import Duty

        from . import registers  # noqa: F401 - declares the registers (pages, API, menu, attachments ...)

        roles.register("key_keeper", _("钥匙管理员"), Duty.BUSINESS, _("管理本单位（及下级单位）的钥匙，办理钥匙移交。"),
                       {"kernel_example.view_key", "kernel_example.add_key", "kernel_example.change_key",
                        "kernel_example.import_key", "kernel_example.view_keyhandover",
                        "kernel_example.add_keyhandover", "org.view_orgunit"})
        # The unit leader (单位负责人) reads the keys of their unit and approves their handovers.
        roles.contribute("unit_leader", {"kernel_example.view_key", "kernel_example.view_keyhandover"})
