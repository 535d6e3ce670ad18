from django.urls import path

from . import views_self as v

urlpatterns = [
    path("tu-danh-gia/<int:pk>/", v.self_assessment, name="self_assessment"),
    path("tu-danh-gia/<int:pk>/muc/<str:code>/", v.self_entry_save, name="self_entry_save"),
    path(
        "tu-danh-gia/<int:pk>/muc/<str:code>/tai-lieu/",
        v.self_entry_evidence,
        name="self_entry_evidence",
    ),
    path(
        "tu-danh-gia/<int:pk>/muc/<str:code>/gan-tai-lieu/",
        v.self_evidence_link,
        name="self_evidence_link",
    ),
    path(
        "tu-danh-gia/<int:pk>/lien-ket/<int:link_pk>/go/",
        v.self_evidence_unlink,
        name="self_evidence_unlink",
    ),
    path("tu-danh-gia/<int:pk>/gui/", v.self_submit, name="participation_submit"),
    path("tu-danh-gia/<int:pk>/rut-lai/", v.self_withdraw, name="participation_withdraw"),
    path("tu-danh-gia/<int:pk>/tai-lieu/", v.evidence_library, name="evidence_library"),
    path("tu-danh-gia/<int:pk>/tai-lieu/tai-len/", v.evidence_upload, name="evidence_upload"),
    path("tu-danh-gia/<int:pk>/tai-lieu/<int:ev_pk>/gan/", v.library_link, name="library_link"),
    path("tai-lieu/<int:pk>/tai-ve/", v.evidence_download, name="evidence_download"),
    path("giai-trinh/<int:pk>/", v.explanation, name="explanation"),
    path("giai-trinh/<int:pk>/muc/<str:code>/", v.explanation_save, name="explanation_save"),
    path("ket-qua/<int:pk>/", v.unit_results, name="unit_results"),
]
