from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _


@login_required
def home(request):
    """The start page: who I am, what I can reach."""
    user = request.user
    return render(request, "core/home.html", {
        "breadcrumbs": [(_("首页"), None)],
        "assignments": list(user.assignments.select_related("role", "unit")),
    })
