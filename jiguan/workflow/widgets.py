"""Home-page panels of approvals (首页工作台): 我的待办, decided on the spot.

The panel lists the requests waiting for the user (``ApprovalRequest.objects.todo_for``: one query
for the count, one for the first few, on the to-do index) with what the approver needs to decide:
the title, the applicant and their unit, the amount, how long it has waited; each has 同意 (posted
to the request's action with its version, back to the home page) and 查看 (the request's page with
its business content, to reject, return or hand on). Users who take no part in approvals (三员), and
staff whose roles approve no step of any flow, get the panel only when something waits for them;
approvers see it empty, saying so.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.urls import reverse

from . import selectors
from .models import ApprovalRequest

SHOWN = 5


def _amount(values: dict) -> Decimal | None:
    try:
        return Decimal(str(values["amount"])) if values.get("amount") not in (None, "") else None
    except (InvalidOperation, KeyError):
        return None


def todo_panel(board):
    user = board.user
    if not selectors.takes_part(user):
        return None
    todo = ApprovalRequest.objects.todo_for(user)
    count = todo.count()
    if not count and not selectors.may_approve(user):
        return None  # staff who never approve are not shown an empty to-do list
    items = []
    if count:
        rows = (todo.select_related("applicant", "applicant_unit", "current_step")
                .order_by("submitted_at", "id")[:SHOWN])
        items = [{"request": req, "amount": _amount(req.values)} for req in rows]
    return {"count": count, "items": items, "more": max(0, count - len(items)),
            "todo_url": reverse("workflow:todo"), "next": reverse("home")}
