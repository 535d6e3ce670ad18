from django.urls import path

from . import views_appraisal

urlpatterns = [
    path("tham-dinh/", views_appraisal.appraisal_list, name="appraisal_list"),
    path("tham-dinh/<int:pk>/", views_appraisal.appraisal_detail, name="appraisal_detail"),
    path(
        "tham-dinh/<int:pk>/muc/<str:code>/",
        views_appraisal.appraisal_entry,
        name="appraisal_entry",
    ),
    path("nhat-ky/<int:pk>/", views_appraisal.audit_participation, name="audit_participation"),
    path("nhat-ky/<int:pk>/muc/<str:code>/", views_appraisal.audit_item, name="audit_item"),
]
