"""Every action the audit log records, in one place: its code and what people read.

`parindex.audit.services.log_action` refuses a code that is not registered here, and
tests/audit/test_registry.py scans the source for `log_action(` calls, so a new action
cannot be logged without its label. Labels are Vietnamese, translated lazily (English in
the catalog); pages show them, never the raw codes (`label`, `LogEntry.action_label`).
Codes no longer logged stay registered while old audit rows carry them.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTIONS: dict[str, Promise] = {
    # methodologies and cycles
    "methodology.installed": _("Cài đặt bộ tiêu chí"),
    "cycle.created": _("Tạo kỳ đánh giá"),
    "cycle.state_changed": _("Chuyển giai đoạn kỳ đánh giá"),
    "cycle.state_reverted": _("Quay lại giai đoạn trước của kỳ đánh giá"),
    "cycle.schedule_updated": _("Sửa lịch kỳ đánh giá"),
    "cycle.external_imported": _("Nhập số liệu từ tệp CSV"),
    "cycle.outside_imported": _("Nhập kết quả thẩm định của cấp trên từ tệp"),
    # entries (parindex.assessment.services.write_entries)
    "entry.self_saved": _("Lưu tự đánh giá"),
    "entry.external_set": _("Nhập số liệu điều tra/số liệu ngoài/điểm thưởng, trừ"),
    "entry.appraised_r1": _("Thẩm định vòng 1"),
    "entry.appraised_r2": _("Thẩm định vòng 2"),
    "appraisal.bulk_r1": _("Chấp nhận kết quả tự đánh giá của mọi mục còn lại (vòng 1)"),
    "appraisal.bulk_r2": _("Giữ kết quả vòng 1 cho mọi mục không giải trình (vòng 2)"),
    "entry.explained": _("Giải trình"),
    "entry.finalised": _("Chốt điểm cuối cùng"),
    "entry.outside_saved": _("Nhập kết quả thẩm định, giải trình, điểm cuối cùng của cấp trên"),
    "block.absent_declared": _("Khai báo khối không thực hiện ở đơn vị"),
    "block.absent_withdrawn": _("Bỏ khai báo khối không thực hiện ở đơn vị"),
    # participations
    "participation.handed_over": _("Chuyển biểu tự đánh giá cho lãnh đạo phê duyệt"),
    "participation.returned": _("Lãnh đạo trả lại biểu tự đánh giá kèm ý kiến"),
    "participation.submitted": _("Phê duyệt, gửi kết quả tự đánh giá"),
    "participation.withdrawn": _("Rút lại kết quả tự đánh giá đã gửi"),
    "participation.late_entry_granted": _("Gia hạn nhập sau thời hạn"),
    "participation.report_saved": _("Lưu báo cáo tự đánh giá"),
    # evidence
    "evidence.uploaded": _("Tải lên tài liệu kiểm chứng"),
    "evidence.linked": _("Gắn tài liệu kiểm chứng vào mục"),
    "evidence.unlinked": _("Gỡ tài liệu kiểm chứng khỏi mục"),
    "evidence.deleted": _("Xóa tài liệu kiểm chứng"),
    "evidence.orphans_removed": _("Xóa tệp tài liệu không thuộc hồ sơ nào"),
    # surveys
    "survey.config_updated": _("Sửa cấu hình điều tra"),
    "survey.design_set": _("Khai báo thiết kế điều tra (trọng số, hệ số thiết kế)"),
    "survey.questionnaire_installed": _("Cài đặt phiếu khảo sát"),
    "survey.questionnaire_replaced": _("Thay phiếu khảo sát"),
    "survey.questionnaire_deleted": _("Xóa phiếu khảo sát"),
    "survey.target_set": _("Đặt số phiếu dự kiến của một đơn vị"),
    "survey.plan_filled": _("Lập kế hoạch mẫu cho mọi đơn vị"),
    "survey.tokens_generated": _("Tạo đường dẫn phiếu khảo sát trực tuyến"),
    "survey.batch_created": _("Tạo lô phiếu giấy nhập kép"),
    "survey.batch_uploaded": _("Tải lên lượt nhập của một người nhập liệu"),
    "survey.discrepancy_resolved": _("Chọn giá trị đúng khi hai lượt nhập khác nhau"),
    "survey.batch_committed": _("Đưa lô phiếu giấy vào kết quả"),
    "survey.import_uploaded": _("Tải lên tệp phiếu khảo sát"),
    "survey.import_started": _("Bắt đầu nhập tệp phiếu khảo sát đã kiểm tra"),
    "survey.imported": _("Nhập xong tệp phiếu khảo sát"),
    "survey.import_interrupted": _(
        "Đánh dấu lượt nhập phiếu bị gián đoạn (tiến trình xử lý đã dừng)"
    ),
    "survey.import_restarted": _("Chạy lại lượt nhập phiếu bị gián đoạn hoặc lỗi"),
    "survey.import_rescored": _("Tính lại điểm điều tra của lượt nhập chưa được tính điểm"),
    "survey.scored": _("Tính điểm điều tra xã hội học"),
    # results
    "results.national_imported": _("Nhập kết quả Chỉ số CCHC đã công bố"),
    "results.national_synthetic_loaded": _(
        "Tạo bảng kết quả cấp tỉnh minh họa (không phải số liệu chính thức)"
    ),
    "results.exported": _("Xuất kết quả"),
    "results.recoverability_set": _("Đặt khả năng khắc phục điểm bị trừ"),
    # improvement plans (parindex.plans)
    "plan.drafted": _("Lập dự thảo kế hoạch cải thiện Chỉ số CCHC"),
    "plan.refreshed": _("Cập nhật kế hoạch cải thiện từ kết quả kỳ đánh giá"),
    "plan.updated": _("Sửa thông tin kế hoạch cải thiện"),
    "plan.exported": _("Xuất kế hoạch cải thiện"),
    "plan_task.updated": _("Sửa nhiệm vụ của kế hoạch cải thiện"),
    "plan_task.reported": _("Báo cáo tiến độ nhiệm vụ"),
    "plan_task.evidence_linked": _("Gắn tệp của nhiệm vụ làm tài liệu kiểm chứng kỳ mới"),
    # a user's own settings
    "account.notifications_set": _("Bật/tắt thông báo qua thư điện tử"),
    # set-up (parindex.setup)
    "setup.unit_created": _("Tạo đơn vị"),
    "setup.unit_updated": _("Sửa đơn vị"),
    "setup.account_created": _("Tạo tài khoản"),
    "setup.account_deactivated": _("Khóa tài khoản"),
    "setup.role_added": _("Giao vai trò"),
    "setup.role_removed": _("Thu hồi vai trò"),
    "setup.password_link_sent": _("Gửi đường dẫn đặt mật khẩu"),
    "setup.methodology_retired": _("Ngừng sử dụng bộ tiêu chí"),
    "setup.cycle_copied": _("Tạo kỳ đánh giá từ kỳ năm trước"),
    "setup.workbook_imported": _("Nhập tệp thiết lập (Excel)"),
    # backups (parindex.backup)
    "backup.restored": _("Khôi phục dữ liệu từ bản sao lưu"),
    # API tokens
    "api_token.created": _("Tạo khóa API"),
    "api_token.revoked": _("Thu hồi khóa API"),
}


def is_registered(action: str) -> bool:
    return action in ACTIONS


def label(action: str) -> str:
    """What people read for an action code (an unknown code, e.g. of an old row, as is)."""
    found = ACTIONS.get(action)
    return str(found) if found is not None else action
