"""Survey pages under a cycle (for its manager), one unit's survey scores, and the public
online form. Link from the cycle page: {% url 'surveys:home' cycle.pk %}."""

from django.urls import path

from . import views

app_name = "surveys"

cycle = "ky-danh-gia/<int:pk>/dieu-tra/"
urlpatterns = [
    path(cycle, views.home, name="home"),
    path(cycle + "cau-hinh/", views.config, name="config"),
    path(cycle + "phieu/", views.questionnaires, name="questionnaires"),
    path(cycle + "phieu/tat-ca.yaml", views.questionnaires_export, name="questionnaires_export"),
    path(cycle + "phieu/<int:qpk>/", views.questionnaire, name="questionnaire"),
    path(
        cycle + "phieu/<int:qpk>/tai-ve.<str:fmt>",
        views.questionnaire_export,
        name="questionnaire_export",
    ),
    path(cycle + "phieu/<int:qpk>/xoa/", views.questionnaire_delete, name="questionnaire_delete"),
    path(cycle + "ke-hoach-mau/", views.plan, name="plan"),
    path(cycle + "ke-hoach-mau/bang/", views.plan_table, name="plan_table"),
    path(cycle + "ke-hoach-mau/<int:ppk>/", views.plan_row, name="plan_row"),
    path(cycle + "phieu-truc-tuyen/", views.tokens, name="tokens"),
    path(cycle + "phieu-truc-tuyen/duong-dan.csv", views.tokens_csv, name="tokens_csv"),
    path(cycle + "nhap-phieu/", views.imports, name="imports"),
    path(cycle + "nhap-phieu/tep-mau.csv", views.sample_file, name="sample_file"),
    path(cycle + "nhap-phieu/<int:jpk>/", views.job, name="job"),
    path(cycle + "nhap-phieu/<int:jpk>/nhap/", views.job_start, name="job_start"),
    path(cycle + "nhap-phieu/<int:jpk>/chay-lai/", views.job_restart, name="job_restart"),
    path(cycle + "nhap-phieu/<int:jpk>/dong-bi-loai.csv", views.job_rejected, name="job_rejected"),
    path(cycle + "nhap-kep/", views.batches, name="batches"),
    path(cycle + "nhap-kep/<int:bpk>/", views.batch, name="batch"),
    path(
        cycle + "nhap-kep/<int:bpk>/chenh-lech/<int:dpk>/",
        views.discrepancy,
        name="discrepancy",
    ),
    path(cycle + "nhap-kep/<int:bpk>/dua-vao-ket-qua/", views.batch_commit, name="batch_commit"),
    path(cycle + "ket-qua/", views.results, name="results"),
    path(cycle + "ket-qua/tinh-diem/", views.recompute, name="recompute"),
    path("dieu-tra/don-vi/<int:ppk>/", views.unit_results, name="unit"),
    path("khao-sat/<str:token>/", views.public_form, name="public_form"),
]
