from django.urls import path

from . import views

app_name = "help"
urlpatterns = [
    path("", views.guide, name="index"),
    path("<slug:slug>.md", views.guide, name="guide"),
    path("img/<str:name>", views.image, name="image"),
]
