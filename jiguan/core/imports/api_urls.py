"""The kernel's import API, ``/api/v1/imports/<key>/`` for every registered importer (``api.urlpatterns``)."""

from . import api

urlpatterns = api.urlpatterns()
