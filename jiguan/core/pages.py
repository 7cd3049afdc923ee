"""The home page (首页工作台): what is waiting for me, what I can start, and the figures of my scope.

Everything on it is declared by the modules (``jiguan.core.dashboard``): panels (my to-dos, my
services, announcements), tiles and charts, each for the permissions the user holds. A leader looks
at their whole scope, or at one unit below it (``?unit=<id>``, or the unit chosen in the header's
switcher), and drills down unit by unit: a bar of the by-unit chart opens its unit here.
"""

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from . import dashboard, search


def _board_unit(request):
    """The unit the page looks at: ``?unit=`` or the switcher's unit, when the user may see it;
    None (the whole scope) otherwise. A unit outside the scope is ignored, never shown."""
    OrgUnit = apps.get_model("org", "OrgUnit")
    wanted = request.GET["unit"] if "unit" in request.GET else request.session.get("focus_unit")
    if not str(wanted or "").isdigit():
        return None
    return (OrgUnit.objects.restrict(request.user).filter(pk=int(wanted))
            .only("id", "name", "path", "depth", "parent_id").first())


def _trail(user, unit) -> list:
    """The units from the top of what the user may see down to ``unit``: the drill-down's breadcrumb."""
    if unit is None:
        return []
    OrgUnit = apps.get_model("org", "OrgUnit")
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    return list(OrgUnit.objects.restrict(user).filter(pk__in=ids).only("id", "name", "path").order_by("path"))


@login_required
def home(request):
    user = request.user
    unit = _board_unit(request)
    widgets = dashboard.for_user(user, unit)
    return render(request, "core/home.html", {
        "board_unit": unit,
        "trail": _trail(user, unit),
        "panels": [w for w in widgets if w["kind"] == dashboard.PANEL],
        "tiles": [w for w in widgets if w["kind"] == dashboard.TILE],
        "charts": [w for w in widgets if w["kind"] == dashboard.CHART],
        # Only roles that grant something: not one switched off (or whose plug-in is gone).
        "assignments": list(user.assignments.filter(role__is_active=True).select_related("role", "unit")),
    })


@login_required
def search_page(request):
    """全局搜索: the header's box. The whole page lists every module's hits; an htmx request (typing
    in the box) gets the dropdown's few hits per module only."""
    q = search.normalise(request.GET.get("q"))
    live = request.headers.get("HX-Request") == "true"
    groups = search.search(request.user, q, limit=5 if live else 20) if q else []
    template = "core/_search_results.html" if live else "core/search.html"
    return render(request, template, {"q": q, "groups": groups, "title": _("搜索"),
                                      "breadcrumbs": [(_("搜索"), None)]})
