from django.urls import path

from . import views

app_name = "reservations"

urlpatterns = [
    path("ics/<str:token>/mine.ics", views.ics_mine, name="ics_mine"),
    path("ics/<str:token>/resources/<int:pk>.ics", views.ics_resource, name="ics_resource"),
]
