from django.urls import path

from . import views_results as v

urlpatterns = [
    path("ket-qua-chi-so/", v.results_index, name="results_index"),
    path("ket-qua-chi-so/ky/<int:pk>/xep-hang/", v.results_ranking, name="results_ranking"),
    path("ket-qua-chi-so/ky/<int:pk>/diem-bi-tru/", v.results_ledger, name="results_ledger"),
    path("ket-qua-chi-so/don-vi/<int:pk>/", v.results_unit, name="results_unit"),
    path("ket-qua-chi-so/toan-quoc/", v.results_national, name="results_national"),
    path(
        "ket-qua-chi-so/toan-quoc/nhap/",
        v.results_national_import,
        name="results_national_import",
    ),
    # Public pages (no login): published cycles only.
    path("cong-khai/ket-qua/", v.public_results, name="public_results"),
    path("cong-khai/ket-qua/<int:pk>/", v.public_cycle, name="public_cycle"),
    path(
        "cong-khai/ket-qua/<int:pk>/xep-hang.<str:fmt>",
        v.public_cycle_download,
        name="public_cycle_download",
    ),
]
