"""The target planner's pages (Mục tiêu xếp hạng)."""

from django.urls import path

from . import views

urlpatterns = [
    path("muc-tieu/", views.targets_index, name="targets_index"),
    path("muc-tieu/don-vi/<int:pk>/", views.target_page, name="target_page"),
    path("muc-tieu/don-vi/<int:pk>/gia-dinh/", views.target_whatif, name="target_whatif"),
    path("muc-tieu/ky/<int:pk>/do-vung/", views.target_robustness, name="target_robustness"),
]
