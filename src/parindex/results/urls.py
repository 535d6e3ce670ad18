"""The results pages and downloads."""

from django.urls import path

from .views import downloads, ledger, national, public, ranking, unit

urlpatterns = [
    path(
        "results/<int:pk>/export/<str:what>.<str:fmt>",
        downloads.export_download,
        name="results_export",
    ),
    path(
        "results/national/sample.csv",
        downloads.national_sample,
        name="results_national_sample",
    ),
    path("ket-qua-chi-so/", ranking.results_index, name="results_index"),
    path("ket-qua-chi-so/ky/<int:pk>/xep-hang/", ranking.results_ranking, name="results_ranking"),
    path("ket-qua-chi-so/ky/<int:pk>/diem-bi-tru/", ledger.results_ledger, name="results_ledger"),
    path("ket-qua-chi-so/don-vi/<int:pk>/", unit.results_unit, name="results_unit"),
    path("ket-qua-chi-so/toan-quoc/", national.results_national, name="results_national"),
    path(
        "ket-qua-chi-so/toan-quoc/nhap/",
        national.results_national_import,
        name="results_national_import",
    ),
    # Public pages (no login): published cycles only.
    path("cong-khai/ket-qua/", public.public_results, name="public_results"),
    path("cong-khai/ket-qua/<int:pk>/", public.public_cycle, name="public_cycle"),
    path(
        "cong-khai/ket-qua/<int:pk>/xep-hang.<str:fmt>",
        public.public_cycle_download,
        name="public_cycle_download",
    ),
]
