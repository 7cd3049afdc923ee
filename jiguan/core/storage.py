"""Private file storage (私有文件): files the database points to that no URL serves.

Attachments (``core.Attachment``) live here; views stream them after checking the data scope of the
object they belong to (``jiguan.core.attachments.views``)."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files under ``settings.JIGUAN_PRIVATE_ROOT`` (inside VAR_DIR): no URL, never served by the
    static or media handler; views stream them after checking the data scope. The root is read on
    every access, so tests can point it elsewhere."""

    base_url = None

    @property
    def base_location(self):
        return str(getattr(settings, "JIGUAN_PRIVATE_ROOT", settings.VAR_DIR / "private"))

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no URL; use the scoped download view.")


_private_storage = PrivateStorage()


def private_storage() -> PrivateStorage:
    """The storage as a callable, so migrations name this function and not a settings-bound instance."""
    return _private_storage
