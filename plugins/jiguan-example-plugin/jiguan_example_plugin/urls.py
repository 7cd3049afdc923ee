from django.urls import path

from jiguan.core import registers

from . import views

app_name = "example_plugin"

urlpatterns = [
    path("", views.SealOverviewView.as_view(), name="overview"),
    *registers.urlpatterns("example_plugin"),
]
