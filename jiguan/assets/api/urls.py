from django.urls import path
from rest_framework.routers import SimpleRouter

from . import reports, views

router = SimpleRouter()
# The documents first: their prefixes sit under assets/, so they must match before assets/{id}/.
router.register("assets/transfers", views.TransferViewSet, basename="assettransfer")
router.register("assets/disposals", views.DisposalViewSet, basename="assetdisposal")
router.register("assets/value-changes", views.ValueChangeViewSet, basename="assetvaluechange")
router.register("assets/configurations", views.ConfigurationViewSet, basename="assetconfiguration")
router.register("assets/depreciation/runs", views.DepreciationRunViewSet, basename="depreciationrun")
router.register("assets/depreciation/ledger", views.LedgerViewSet, basename="depreciationentry")
router.register("assets", views.AssetViewSet, basename="asset")

# Files keep their extension (label.pdf, report.xlsx) without the router's trailing slash; the import
# routes come before assets/{id}/ too.
cards = views.AssetViewSet
report = reports.AssetReportViewSet
urlpatterns = [
    path("assets/reports/summary/", report.as_view({"get": "summary"}), name="asset-report-summary"),
    path("assets/reports/status/", report.as_view({"get": "status"}), name="asset-report-status"),
    path("assets/reports/disposals/", report.as_view({"get": "disposals"}), name="asset-report-disposals"),
    path("assets/import/", cards.as_view({"post": "import_upload"}), name="asset-import"),
    path("assets/import/<str:token>/", cards.as_view({"get": "import_status"}), name="asset-import-status"),
    path("assets/import/<str:token>/report.xlsx", cards.as_view({"get": "import_report"}), name="asset-import-report"),
    path("assets/<int:pk>/label.pdf", cards.as_view({"get": "label"}), name="asset-label"),
    *router.urls,
]
