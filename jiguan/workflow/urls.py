from django.urls import path

from . import views

app_name = "workflow"

urlpatterns = [
    path("todo/", views.TodoListView.as_view(), name="todo"),
    path("mine/", views.MyRequestListView.as_view(), name="mine"),
    path("requests/", views.RequestListView.as_view(), name="request_list"),
    path("requests/<int:pk>/", views.RequestDetailView.as_view(), name="request_detail"),
    path("requests/<int:pk>/<str:verb>/", views.RequestActionView.as_view(), name="request_action"),
    path("route-preview/", views.RoutePreviewView.as_view(), name="route_preview"),
    path("flows/", views.FlowListView.as_view(), name="flow_list"),
    path("flows/new/", views.FlowCreateView.as_view(), name="flow_create"),
    path("flows/<int:pk>/", views.FlowDetailView.as_view(), name="flow_detail"),
    path("flows/<int:pk>/edit/", views.FlowUpdateView.as_view(), name="flow_edit"),
    path("flows/<int:pk>/steps/new/", views.StepFormView.as_view(), name="step_create"),
    path("flows/<int:pk>/steps/<int:step_id>/", views.StepFormView.as_view(), name="step_edit"),
]
