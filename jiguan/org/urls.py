from django.urls import path

from . import imports, views

app_name = "org"

urlpatterns = [
    path("units/", views.UnitTreeView.as_view(), name="unit_tree"),
    path("units/list/", views.UnitListView.as_view(), name="unit_list"),
    path("units/pick/", views.UnitPickView.as_view(), name="unit_pick"),
    path("units/new/", views.UnitCreateView.as_view(), name="unit_create"),
    path("units/import/", imports.UnitImportView.as_view(), name="unit_import"),
    path("units/import/template.xlsx", imports.UnitImportTemplateView.as_view(), name="unit_import_template"),
    path("units/<int:pk>/", views.UnitDetailView.as_view(), name="unit_detail"),
    path("units/<int:pk>/children/", views.UnitChildrenView.as_view(), name="unit_children"),
    path("units/<int:pk>/edit/", views.UnitUpdateView.as_view(), name="unit_edit"),
    path("units/<int:pk>/move/", views.UnitMoveView.as_view(), name="unit_move"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/new/", views.UserCreateView.as_view(), name="user_create"),
    path("users/pick/", views.UserPickView.as_view(), name="user_pick"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/edit/", views.UserUpdateView.as_view(), name="user_edit"),
    path("users/<int:pk>/unlock/", views.UserUnlockView.as_view(), name="user_unlock"),
    path("roles/", views.RoleListView.as_view(), name="role_list"),
    path("roles/new/", views.RoleCreateView.as_view(), name="role_create"),
    path("roles/<int:pk>/", views.RoleDetailView.as_view(), name="role_detail"),
    path("assignments/", views.AssignmentListView.as_view(), name="assignment_list"),
    path("assignments/new/", views.AssignmentCreateView.as_view(), name="assignment_create"),
    path("assignments/<int:pk>/revoke/", views.AssignmentRevokeView.as_view(), name="assignment_revoke"),
    path("security/", views.SecuritySettingsView.as_view(), name="security_settings"),
]
