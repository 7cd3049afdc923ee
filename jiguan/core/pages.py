from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def home(request):
    """The start page: who I am, what I can reach."""
    user = request.user
    return render(request, "core/home.html", {
        "assignments": list(user.assignments.select_related("role", "unit")),
    })
