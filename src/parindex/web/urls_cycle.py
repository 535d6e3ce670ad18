from django.urls import path

from . import views_cycle

urlpatterns = [
    path("ky-danh-gia/<int:pk>/", views_cycle.cycle_detail, name="cycle_detail"),
    path(
        "ky-danh-gia/<int:pk>/chuyen-trang-thai/",
        views_cycle.cycle_transition,
        name="cycle_transition",
    ),
    path("ky-danh-gia/<int:pk>/gia-han/", views_cycle.cycle_late_grant, name="cycle_late_grant"),
    path("ky-danh-gia/<int:pk>/lich/", views_cycle.cycle_schedule, name="cycle_schedule"),
    path(
        "ky-danh-gia/<int:pk>/nhap-so-lieu/",
        views_cycle.cycle_external_import,
        name="cycle_external_import",
    ),
    path(
        "don-vi-tham-gia/<int:pk>/so-lieu-ngoai/",
        views_cycle.participation_external,
        name="participation_external",
    ),
]
