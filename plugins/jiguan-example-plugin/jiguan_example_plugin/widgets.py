"""The plug-in's home-page widget (``jiguan.core.dashboard``): the seals in use that the user sees."""

from django.utils.translation import gettext as _

from jiguan.core import dashboard

from .models import Seal, SealStatus


def in_use(board) -> dict:
    """在用印章 below the unit the home page looks at (the user's whole scope when none)."""
    seals = Seal.objects.restrict(board.user, "view").filter(status=SealStatus.IN_USE)
    if board.unit is not None:
        seals = seals.filter(unit__path__startswith=board.unit.path)
    return dashboard.tile(seals.count(), unit=_("枚"))
