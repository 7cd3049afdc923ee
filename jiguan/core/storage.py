"""Private file storage (私有文件): files the database points to that no URL serves.

Every private file goes through one Django storage, ``STORAGES["private"]``: attachments
(``core.Attachment``, the assets' attachments), import uploads waiting for their background job, the
jobs' state files and the import error reports (``jiguan.core.imports``). By default it is a folder
(``LocalPrivateStorage`` under ``JIGUAN_PRIVATE_ROOT``); with ``JIGUAN_STORAGE=s3`` it is a bucket of
an S3-compatible store such as MinIO (``PrivateS3Storage``), so web servers and workers share no
folder (docs/operations.md, "Several application servers"). Nothing reads such a file by a local path:
always ``storage.open(name)``. Views stream them after checking the data scope of the object they
belong to (``jiguan.core.attachments.views``)."""

from __future__ import annotations

import os
import tempfile

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.files.storage.handler import InvalidStorageError


class LocalPrivateStorage(FileSystemStorage):
    """Files under ``settings.JIGUAN_PRIVATE_ROOT`` (inside VAR_DIR): no URL, never served by the
    static or media handler. The root is read on every access, so tests can point it elsewhere."""

    base_url = None

    @property
    def base_location(self):
        return str(getattr(settings, "JIGUAN_PRIVATE_ROOT", settings.VAR_DIR / "private"))

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no URL; use the scoped download view.")

    def overwrite(self, name: str, content: bytes) -> None:
        """Write ``name`` in one step: a reader sees the old content or the new, never a half file."""
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, path)


try:
    from storages.backends.s3 import S3Storage
except ImportError:  # pragma: no cover - django-storages is a dependency; keeps the module importable
    S3Storage = None

if S3Storage is not None:

    class PrivateS3Storage(S3Storage):
        """A bucket of an S3-compatible store (MinIO...): objects private (ACL ``private``), no URL,
        names never overwritten by an upload (``file_overwrite`` off); ``overwrite`` replaces an
        object in one PUT (the store makes it atomic)."""

        default_acl = "private"
        querystring_auth = True
        file_overwrite = False

        def url(self, name, parameters=None, expire=None, http_method=None):
            raise ValueError("Private files have no URL; use the scoped download view.")

        def overwrite(self, name: str, content: bytes) -> None:
            self._save(name, ContentFile(content))


def backend() -> Storage:
    """The configured private storage (``STORAGES["private"]``; the local folder when not set)."""
    try:
        return storages["private"]
    except InvalidStorageError:
        return _local


_local = LocalPrivateStorage()


class PrivateStorage(Storage):
    """What the model fields hold: every call goes to ``backend()``, read at each access, so the
    storage follows the settings (and tests that change them) without a migration."""

    def open(self, name, mode="rb"):
        return backend().open(name, mode)

    def save(self, name, content, max_length=None):
        return backend().save(name, content, max_length=max_length)

    def overwrite(self, name: str, content: bytes) -> None:
        target = backend()
        if hasattr(target, "overwrite"):
            target.overwrite(name, content)
        else:  # another backend: not atomic
            target.delete(name)
            target.save(name, ContentFile(content))

    def get_valid_name(self, name):
        return backend().get_valid_name(name)

    def get_alternative_name(self, file_root, file_ext):
        return backend().get_alternative_name(file_root, file_ext)

    def get_available_name(self, name, max_length=None):
        return backend().get_available_name(name, max_length=max_length)

    def generate_filename(self, filename):
        return backend().generate_filename(filename)

    def path(self, name):
        return backend().path(name)

    def delete(self, name):
        return backend().delete(name)

    def exists(self, name):
        return backend().exists(name)

    def listdir(self, path):
        return backend().listdir(path)

    def size(self, name):
        return backend().size(name)

    def url(self, name):
        raise ValueError("Private files have no URL; use the scoped download view.")

    def get_accessed_time(self, name):
        return backend().get_accessed_time(name)

    def get_created_time(self, name):
        return backend().get_created_time(name)

    def get_modified_time(self, name):
        return backend().get_modified_time(name)


_private_storage = PrivateStorage()


def private_storage() -> PrivateStorage:
    """The storage as a callable, so migrations name this function and not a settings-bound instance."""
    return _private_storage
