"""The assessment pages: cycles, self-assessment and evidence, explanation, appraisal and the
audit log."""

from django.urls import path

from .views import appraisal, audit, blocks, cycle, evidence, outside
from .views import self_assessment as v

urlpatterns = [
    # cycles (the organiser's side)
    path("ky-danh-gia/", cycle.cycle_list, name="cycle_list"),
    path("ky-danh-gia/<int:pk>/", cycle.cycle_detail, name="cycle_detail"),
    path(
        "ky-danh-gia/<int:pk>/chuyen-trang-thai/",
        cycle.cycle_transition,
        name="cycle_transition",
    ),
    path("ky-danh-gia/<int:pk>/gia-han/", cycle.cycle_late_grant, name="cycle_late_grant"),
    path("ky-danh-gia/<int:pk>/lich/", cycle.cycle_schedule, name="cycle_schedule"),
    path(
        "ky-danh-gia/<int:pk>/nhap-so-lieu/",
        cycle.cycle_external_import,
        name="cycle_external_import",
    ),
    path(
        "ky-danh-gia/<int:pk>/khoi-khong-thuc-hien/",
        blocks.cycle_absent_blocks,
        name="cycle_absent_blocks",
    ),
    path(
        "don-vi-tham-gia/<int:pk>/so-lieu-ngoai/",
        cycle.participation_external,
        name="participation_external",
    ),
    # the results of the outside body the cycle reports to, entered back
    path(
        "ky-danh-gia/<int:pk>/ket-qua-cap-tren/nhap-tep/",
        outside.cycle_outside_import,
        name="cycle_outside_import",
    ),
    path(
        "don-vi-tham-gia/<int:pk>/ket-qua-cap-tren/",
        outside.outside_results,
        name="outside_results",
    ),
    # self-assessment, evidence, explanation, a unit's results
    path("tu-danh-gia/<int:pk>/", v.self_assessment, name="self_assessment"),
    path("tu-danh-gia/<int:pk>/muc/<str:code>/", v.self_entry_save, name="self_entry_save"),
    path(
        "tu-danh-gia/<int:pk>/muc/<str:code>/tai-lieu/",
        evidence.self_entry_evidence,
        name="self_entry_evidence",
    ),
    path(
        "tu-danh-gia/<int:pk>/muc/<str:code>/gan-tai-lieu/",
        evidence.self_evidence_link,
        name="self_evidence_link",
    ),
    path(
        "tu-danh-gia/<int:pk>/lien-ket/<int:link_pk>/go/",
        evidence.self_evidence_unlink,
        name="self_evidence_unlink",
    ),
    path("tu-danh-gia/<int:pk>/bao-cao/", v.self_report_save, name="self_report_save"),
    path(
        "tu-danh-gia/<int:pk>/bao-cao.docx",
        v.self_report_download,
        name="self_report_download",
    ),
    path(
        "tu-danh-gia/<int:pk>/tai-lieu-kiem-chung.zip",
        v.evidence_bundle_download,
        name="evidence_bundle_download",
    ),
    path("tu-danh-gia/<int:pk>/gui/", v.self_submit, name="participation_submit"),
    path(
        "tu-danh-gia/<int:pk>/chuyen-lanh-dao/",
        v.self_hand_over,
        name="participation_hand_over",
    ),
    path("tu-danh-gia/<int:pk>/tra-lai/", v.self_return, name="participation_return"),
    path("tu-danh-gia/<int:pk>/rut-lai/", v.self_withdraw, name="participation_withdraw"),
    path("tu-danh-gia/<int:pk>/tai-lieu/", evidence.evidence_library, name="evidence_library"),
    path(
        "tu-danh-gia/<int:pk>/tai-lieu/tai-len/",
        evidence.evidence_upload,
        name="evidence_upload",
    ),
    path(
        "tu-danh-gia/<int:pk>/tai-lieu/<int:ev_pk>/gan/",
        evidence.library_link,
        name="library_link",
    ),
    path("tai-lieu/<int:pk>/tai-ve/", evidence.evidence_download, name="evidence_download"),
    path("giai-trinh/<int:pk>/", v.explanation, name="explanation"),
    path("giai-trinh/<int:pk>/muc/<str:code>/", v.explanation_save, name="explanation_save"),
    path("ket-qua/<int:pk>/", v.unit_results, name="unit_results"),
    # appraisal and the audit log
    path("tham-dinh/", appraisal.appraisal_list, name="appraisal_list"),
    path("tham-dinh/<int:pk>/", appraisal.appraisal_detail, name="appraisal_detail"),
    path(
        "tham-dinh/<int:pk>/hang-loat/",
        appraisal.appraisal_bulk,
        name="appraisal_bulk",
    ),
    path(
        "tham-dinh/<int:pk>/muc/<str:code>/",
        appraisal.appraisal_entry,
        name="appraisal_entry",
    ),
    path("nhat-ky/<int:pk>/", audit.audit_participation, name="audit_participation"),
    path("nhat-ky/<int:pk>/muc/<str:code>/", audit.audit_item, name="audit_item"),
]
