"""The improvement plans' pages (Kế hoạch duy trì, cải thiện và nâng cao Chỉ số CCHC)."""

from django.urls import path

from . import views

urlpatterns = [
    path("ke-hoach/", views.plans_index, name="plans_index"),
    path("ke-hoach/ky/<int:pk>/", views.plans_cycle, name="plans_cycle"),
    path("ke-hoach/ky/<int:pk>/lap/", views.plan_draft, name="plans_draft"),
    path(
        "ke-hoach/ky/<int:pk>/kha-nang-khac-phuc/",
        views.recoverability,
        name="plans_recoverability",
    ),
    path("ke-hoach/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("ke-hoach/<int:pk>/sua/", views.plan_edit, name="plan_edit"),
    path("ke-hoach/<int:pk>/tai-ve.<str:fmt>", views.plan_download, name="plan_download"),
    path("ke-hoach/nhiem-vu/<int:pk>/", views.task_detail, name="plan_task"),
    path("ke-hoach/nhiem-vu/<int:pk>/bao-cao/", views.task_report, name="plan_task_report"),
    path(
        "ke-hoach/nhiem-vu/<int:pk>/gan-minh-chung/",
        views.task_link_evidence,
        name="plan_task_link",
    ),
    path("ke-hoach/tep/<int:pk>/", views.attachment_download, name="plan_attachment"),
]
