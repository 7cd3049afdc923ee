"""The kernel's import pages, ``/imports/<key>/`` for every registered importer (``pages.urlpatterns``)."""

from . import pages

app_name = "imports"
urlpatterns = pages.urlpatterns()
