from django.urls import path

from . import views_self

urlpatterns = [
    path("tu-danh-gia/<int:pk>/", views_self.self_assessment, name="self_assessment"),
]
