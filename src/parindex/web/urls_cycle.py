from django.urls import path

from . import views_cycle

urlpatterns = [
    path("ky-danh-gia/<int:pk>/", views_cycle.cycle_detail, name="cycle_detail"),
]
