from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

# One-time links to set a password (new accounts) and "Quên mật khẩu?" for everyone.
password_urls = [
    path(
        "quen-mat-khau/",
        auth_views.PasswordResetView.as_view(
            subject_template_name="registration/password_reset_subject.txt"
        ),
        name="password_reset",
    ),
    path(
        "quen-mat-khau/da-gui/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "dat-mat-khau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            post_reset_login=True,
            post_reset_login_backend="django.contrib.auth.backends.ModelBackend",
        ),
        name="password_reset_confirm",
    ),
    path(
        "dat-mat-khau/xong/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    *password_urls,
    path("thiet-lap/", views.home, name="setup_home"),
    path("thiet-lap/don-vi/moi/", views.unit_edit, name="setup_unit_new"),
    path("thiet-lap/don-vi/<int:pk>/", views.unit_edit, name="setup_unit_edit"),
    path("thiet-lap/tai-khoan/moi/", views.account_new, name="setup_account_new"),
    path("thiet-lap/tai-khoan/<int:pk>/", views.account, name="setup_account"),
    path(
        "thiet-lap/tai-khoan/<int:pk>/khoa/",
        views.account_deactivate,
        name="setup_account_deactivate",
    ),
    path("thiet-lap/vai-tro/<int:pk>/thu-hoi/", views.role_remove, name="setup_role_remove"),
    path("thiet-lap/tham-dinh/moi/", views.appraiser_new, name="setup_appraiser_new"),
    path("thiet-lap/co-quan-chu-tri/moi/", views.lead_new, name="setup_lead_new"),
    path(
        "thiet-lap/bo-tieu-chi/tai-len/",
        views.methodology_upload,
        name="setup_methodology_upload",
    ),
    path(
        "thiet-lap/bo-tieu-chi/<int:pk>/ngung/",
        views.methodology_retire,
        name="setup_methodology_retire",
    ),
    path("thiet-lap/ky-danh-gia/moi/", views.cycle_new, name="setup_cycle_new"),
    path("thiet-lap/ky-danh-gia/<int:pk>/sao-chep/", views.cycle_copy, name="setup_cycle_copy"),
    path("thiet-lap/tep-excel/", views.workbook, name="setup_workbook"),
    path("thiet-lap/tep-excel/tai-ve/", views.workbook_download, name="setup_workbook_download"),
]
