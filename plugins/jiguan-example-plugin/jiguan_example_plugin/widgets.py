"""The plug-in's home-page widget (``jiguan.core.dashboard``): the seals in use that the user sees."""

from django.utils.translation import gettext as _

from jiguan.core import dashboard

from .models import Seal, SealStatus


def in_use(user) -> dict:
    return dashboard.tile(Seal.objects.restrict(user, "view").filter(status=SealStatus.IN_USE).count(), unit=_("枚"))
