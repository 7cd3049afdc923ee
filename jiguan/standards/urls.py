from django.urls import path

from . import imports, views

app_name = "standards"

urlpatterns = [
    path("", views.TableListView.as_view(), name="table_list"),
    path("tables/new/", views.TableCreateView.as_view(), name="table_create"),
    path("tables/<slug:code>/", views.EntryListView.as_view(), name="table_detail"),
    path("tables/<slug:code>/edit/", views.TableUpdateView.as_view(), name="table_edit"),
    path("tables/<slug:code>/import/", imports.TableImportView.as_view(), name="table_import"),
    path("tables/<slug:code>/import/template.xlsx", imports.TableImportTemplateView.as_view(),
         name="table_import_template"),
    path("tables/<slug:code>/keys/<str:key>/", views.KeyHistoryView.as_view(), name="key_history"),
    path("requests/", views.ChangeRequestListView.as_view(), name="request_list"),
    path("requests/new/", views.ChangeRequestCreateView.as_view(), name="request_create"),
    path("requests/<int:pk>/", views.ChangeRequestDetailView.as_view(), name="request_detail"),
    path("requests/<int:pk>/submit/", views.ChangeRequestSubmitView.as_view(), name="request_submit"),
    path("requests/<int:pk>/withdraw/", views.ChangeRequestWithdrawView.as_view(), name="request_withdraw"),
]
