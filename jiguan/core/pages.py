from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def home(request):
    """The start page: who I am, what I can reach."""
    user = request.user
    return render(request, "core/home.html", {
        # Only roles that grant something: not one switched off (or whose plug-in is gone).
        "assignments": list(user.assignments.filter(role__is_active=True).select_related("role", "unit")),
    })
