from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path(
        "dang-nhap/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("tai-khoan/", views.my_account, name="my_account"),
    path("bo-tieu-chi/", views.methodology_list, name="methodology_list"),
    path("bo-tieu-chi/<int:pk>/", views.methodology_detail, name="methodology_detail"),
    path("bo-tieu-chi/co-san/<slug:name>/", views.methodology_shipped, name="methodology_shipped"),
]
