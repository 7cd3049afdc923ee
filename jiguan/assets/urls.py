from django.urls import path

from . import imports, labels, reports, views

app_name = "assets"

urlpatterns = [
    # Cards (views/cards.py, views/attachments.py)
    path("", views.AssetListView.as_view(), name="asset_list"),
    path("new/", views.AssetCreateView.as_view(), name="asset_create"),
    path("mine/", views.MyAssetsView.as_view(), name="mine"),
    path("requisition/", views.RequisitionView.as_view(), name="requisition"),
    path("requisition/<int:pk>/", views.RequisitionRequestView.as_view(), name="requisition_request"),
    path("classes/pick/", views.ClassPickView.as_view(), name="class_pick"),
    path("<int:pk>/", views.AssetDetailView.as_view(), name="asset_detail"),
    path("<int:pk>/edit/", views.AssetChangeView.as_view(), name="asset_change"),
    path("<int:pk>/issue/", views.AssetIssueView.as_view(), name="asset_issue"),
    path("<int:pk>/return/", views.AssetReturnView.as_view(), name="asset_return"),
    path("<int:pk>/return-request/", views.AssetReturnRequestView.as_view(), name="asset_return_request"),
    path("<int:pk>/value/", views.AssetValueAdjustView.as_view(), name="asset_value"),
    path("<int:pk>/repair/", views.RepairCreateView.as_view(), name="asset_repair"),
    path("<int:pk>/workload/", views.WorkloadRecordView.as_view(), name="asset_workload"),
    path("<int:pk>/attachments/", views.AttachmentUploadView.as_view(), name="attachment_upload"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.AttachmentDownloadView.as_view(),
         name="attachment_download"),
    path("<int:pk>/attachments/<int:attachment_pk>/delete/", views.AttachmentDeleteView.as_view(),
         name="attachment_delete"),
    # Documents (views/documents.py)
    path("transfers/", views.TransferListView.as_view(), name="transfer_list"),
    path("transfers/new/", views.TransferCreateView.as_view(), name="transfer_create"),
    path("transfers/<int:pk>/", views.TransferDetailView.as_view(), name="transfer_detail"),
    path("transfers/<int:pk>/form.pdf", views.TransferPdfView.as_view(), name="transfer_pdf"),
    path("disposals/", views.DisposalListView.as_view(), name="disposal_list"),
    path("disposals/new/", views.DisposalCreateView.as_view(), name="disposal_create"),
    path("disposals/<int:pk>/", views.DisposalDetailView.as_view(), name="disposal_detail"),
    path("disposals/<int:pk>/result/", views.DisposalResultView.as_view(), name="disposal_result"),
    path("disposals/<int:pk>/form.pdf", views.DisposalPdfView.as_view(), name="disposal_pdf"),
    path("value-changes/", views.ValueChangeListView.as_view(), name="value_change_list"),
    path("value-changes/<int:pk>/", views.ValueChangeDetailView.as_view(), name="value_change_detail"),
    path("value-changes/<int:pk>/form.pdf", views.ValueChangePdfView.as_view(), name="value_change_pdf"),
    path("configurations/", views.ConfigurationListView.as_view(), name="configuration_list"),
    path("configurations/new/", views.ConfigurationCreateView.as_view(), name="configuration_create"),
    path("configurations/<int:pk>/", views.ConfigurationDetailView.as_view(), name="configuration_detail"),
    path("configurations/<int:pk>/form.pdf", views.ConfigurationPdfView.as_view(), name="configuration_pdf"),
    # Depreciation and settings (views/depreciation.py, views/settings.py)
    path("depreciation/", views.RunListView.as_view(), name="run_list"),
    path("depreciation/new/", views.RunCreateView.as_view(), name="run_create"),
    path("depreciation/<int:pk>/", views.RunDetailView.as_view(), name="run_detail"),
    path("depreciation/ledger/", views.LedgerListView.as_view(), name="ledger"),
    path("settings/", views.SettingsView.as_view(), name="settings"),
    # Import (imports.py)
    path("import/", imports.AssetImportView.as_view(), name="asset_import"),
    path("import/template.xlsx", imports.AssetImportTemplateView.as_view(), name="asset_import_template"),
    # Labels and scanning (labels.py)
    path("<int:pk>/label.pdf", labels.AssetLabelView.as_view(), name="asset_label"),
    path("<int:pk>/card.pdf", views.AssetCardPdfView.as_view(), name="asset_card_pdf"),
    path("labels.pdf", labels.LabelSheetView.as_view(), name="label_sheet"),
    path("scan/", labels.ScanView.as_view(), name="scan"),
    path("c/<str:code>/", labels.ShortLinkView.as_view(), name="asset_short"),
    # Reports (reports.py)
    path("reports/", reports.SummaryReportView.as_view(), name="report"),
    path("reports/status/", reports.StatusReportView.as_view(), name="report_status"),
    path("reports/disposals/", reports.DisposalReportView.as_view(), name="report_disposals"),
]
