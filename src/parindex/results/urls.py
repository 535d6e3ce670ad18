from django.urls import path

from . import views

urlpatterns = [
    path(
        "results/<int:pk>/export/<str:what>.<str:fmt>",
        views.export_download,
        name="results_export",
    ),
    path("results/national/sample.csv", views.national_sample, name="results_national_sample"),
]
