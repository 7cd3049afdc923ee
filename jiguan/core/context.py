"""Who is acting, from where: one context for requests, management commands and background jobs.

Middleware fills it for web requests; commands and tasks use ``acting_as``. Services read it (through
``current()``) to write audit records, so the acting user is never lost outside a request
(NetBox #2368/#4990: change logs built on request signals missed jobs and bulk writes).
"""

from __future__ import annotations

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class ActorContext:
    user: Any = None  # org.User or None for the system
    ip: str | None = None
    request_id: str = ""
    channel: str = "system"  # web | api | command | job | system


# The default is a frozen (immutable) dataclass, so sharing it across contexts is safe.
_current: contextvars.ContextVar[ActorContext] = contextvars.ContextVar(
    "jiguan_actor", default=ActorContext())  # noqa: B039


def current() -> ActorContext:
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


@contextmanager
def acting_as(user=None, *, channel: str = "command", ip: str | None = None, request_id: str | None = None):
    """Run a block as ``user`` (None: the system). Used by management commands, jobs and tests."""
    token = _current.set(
        ActorContext(user=user, ip=ip, request_id=request_id or new_request_id(), channel=channel)
    )
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def set_for_request(ctx: ActorContext):
    return _current.set(ctx)


def reset(token) -> None:
    _current.reset(token)


def update(**changes) -> None:
    """Refine the current context in place (e.g. the API learns the token user after middleware)."""
    _current.set(replace(_current.get(), **changes))
