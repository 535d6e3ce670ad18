"""The methodology workbook's layout, shared by its writer and its reader: sheet names, the
columns of sheet "Tiêu chí", the keys of sheet "Thông tin", the words cells may hold, styles."""

from __future__ import annotations

import re
from dataclasses import dataclass

from openpyxl.styles import Font, PatternFill

from parindex.core.loader import FORMAT
from parindex.core.rules import COUNT, PERCENT

INFO_SHEET = "Thông tin"
NODES_SHEET = "Tiêu chí"
HELP_SHEET = "Hướng dẫn"

ADJUSTMENT = "điều chỉnh"
ADJUSTMENT_WORDS = {
    "điều chỉnh",
    "dieu chinh",
    "adjustment",
    "adjustments",
    "điểm thưởng",
    "điểm trừ",
    "thưởng",
    "trừ",
    "bonus",
    "deduction",
}
TREE_WORDS = {"", "tiêu chí", "lĩnh vực", "field", "criterion", "criteria", "node"}
OVER_ALIASES = {
    "percent": PERCENT,
    "%": PERCENT,
    "tỷ lệ": PERCENT,
    "tỉ lệ": PERCENT,
    "count": COUNT,
    "số lượng": COUNT,
    "số lần": COUNT,
}
# Parameters each rule kind takes in the "Tham số (params)" column ("over" is text).
RULE_PARAMS: dict[str, tuple[str, ...]] = {
    "manual": ("step",),
    "yes_no": ("yes", "no"),
    "thresholds": ("over",),
    "proportional": ("full_at",),
    "timeliness": ("on_time", "late", "not_done"),
    "survey": (),
    "bonus": ("per_unit",),
    "deduction": ("per_unit",),
    "ratio": ("full_at",),
    "piecewise": ("over", "floor"),
}
BREAKPOINT_SYNTAX = "giá trị=điểm, tăng dần, ví dụ 50=0,5; 100=1"
BAND_SYNTAX = "[từ..đến)=điểm, ví dụ [80..100)=0,5; [100..100]=1; [5..)=1"
MAX_CELL_TEXT = 32767  # Excel's limit on the text of one cell


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # Vietnamese label; the header reads "label (key)"
    width: int
    help: str
    example: str = ""

    @property
    def header(self) -> str:
        return f"{self.label} ({self.key})"


NODE_COLUMNS = (
    Column(
        "code",
        "Mã",
        10,
        "Mã của mục. Mã của mục con nối tiếp mã mục cha bằng dấu chấm: lĩnh vực 1, tiêu chí 1.2, "
        "tiêu chí thành phần 1.2.3. Cấp bậc được suy ra từ mã (mục cha của 1.2.3 là 1.2). "
        "Nên để ô ở dạng văn bản để Excel không đổi 1.10 thành 1.1.",
        "1.2.3",
    ),
    Column("name", "Tên", 60, "Tên lĩnh vực / tiêu chí / tiêu chí thành phần (bắt buộc).", ""),
    Column("name_en", "Tên tiếng Anh", 40, "Tên tiếng Anh (không bắt buộc).", ""),
    Column(
        "max",
        "Điểm tối đa",
        11,
        "Điểm tối đa (số, tối đa 4 chữ số thập phân; dấu chấm hoặc dấu phẩy đều được). Điểm tối "
        "đa của mục cha phải bằng tổng điểm tối đa của các mục con. Với mục điểm thưởng/điểm "
        "trừ, đây là mức thưởng/trừ tối đa của mục.",
        "2,5",
    ),
    Column(
        "method",
        "Phương thức",
        12,
        "Chỉ điền cho tiêu chí thành phần (mục lá): self = tự chấm rồi thẩm định; survey = điều "
        "tra xã hội học; external = số liệu từ hệ thống khác. Để trống = self.",
        "self",
    ),
    Column(
        "rule",
        "Quy tắc",
        13,
        "Quy tắc chấm của mục lá: manual (chấm trực tiếp theo bước), yes_no (có/không), "
        "thresholds (theo mức tỷ lệ % hoặc số lượng), proportional (tỷ lệ thuận), timeliness "
        "(đúng hạn/chậm/không thực hiện), survey (tỷ lệ điều tra %), bonus (điểm thưởng), "
        "deduction (điểm trừ), ratio (tỷ lệ nhập bằng hai số: đã thực hiện/tổng số), "
        "piecewise (tuyến tính từng đoạn, có ngưỡng sàn). Mục có mục con để trống.",
        "thresholds",
    ),
    Column(
        "params",
        "Tham số",
        24,
        "Tham số của quy tắc, dạng khóa=giá trị, cách nhau bởi dấu chấm phẩy. manual: step "
        "(bước, mặc định 0,25); yes_no: yes, no; thresholds: over=percent hoặc over=count; "
        "proportional: full_at (mặc định 100); timeliness: on_time, late, not_done; bonus: "
        "per_unit (không bắt buộc); deduction: per_unit (bắt buộc); ratio: full_at (mặc định "
        "100, bỏ trống khi chấm theo các mức); piecewise: over, floor.",
        "on_time=1; late=0,5",
    ),
    Column(
        "bands",
        "Các mức",
        40,
        "Chỉ cho quy tắc thresholds: các mức cách nhau bởi dấu chấm phẩy (hoặc xuống dòng), "
        "mỗi mức dạng [từ..đến)=điểm. Ngoặc vuông [ ] là lấy cả cận, ngoặc tròn ( ) là không "
        "lấy cận. Bỏ trống cận trên cho mức không giới hạn trên (số lượng): [5..)=1. Có thể "
        "dùng → hoặc : thay cho =. Các mức phải phủ kín 0–100 (%) hoặc từ 0 trở lên (số "
        "lượng), không chồng lấn. Quy tắc ratio chấm theo mức dùng cùng cú pháp (theo %). "
        "Quy tắc piecewise: các điểm gãy dạng giá trị=điểm, ví dụ 50=0,5; 100=1.",
        "[100..100]=1; [80..100)=0,5; [0..80)=0",
    ),
    Column(
        "not_arising",
        "Không phát sinh",
        16,
        "Cách xử lý khi nội dung không phát sinh trong năm: exclude (loại khỏi điểm tối đa), "
        "full_points (được điểm tối đa), not_allowed (không chấp nhận). Để trống = theo mặc "
        "định của bộ tiêu chí (sheet Thông tin).",
        "full_points",
    ),
    Column(
        "applies_to",
        "Áp dụng cho",
        16,
        "Các loại đơn vị áp dụng, cách nhau bởi dấu phẩy (phải có trong unit_types của sheet "
        "Thông tin). Để trống = áp dụng cho mọi loại đơn vị.",
        "commune",
    ),
    Column("guidance", "Hướng dẫn chấm", 50, "Hướng dẫn đánh giá, chấm điểm.", ""),
    Column("evidence", "Tài liệu kiểm chứng", 40, "Tài liệu kiểm chứng cần nộp.", ""),
    Column(
        "unknown",
        "Chưa công bố",
        12,
        "Ghi 'có' (hoặc x) nếu nội dung chưa được công bố chính thức (giả định mô hình hóa).",
        "có",
    ),
    Column(
        "section",
        "Loại mục",
        13,
        "Để trống cho lĩnh vực, tiêu chí, tiêu chí thành phần; ghi 'điều chỉnh' cho các mục "
        "điểm thưởng/điểm trừ (dùng quy tắc bonus hoặc deduction, không có mục con).",
        ADJUSTMENT,
    ),
    Column(
        "gate",
        "Điều kiện bắt buộc",
        12,
        "Ghi 'có' (hoặc x) nếu tiêu chí thành phần là điều kiện bắt buộc: khi nó không đạt (0 "
        "điểm, 'không'), cả tiêu chí chứa nó bằng 0 điểm.",
        "có",
    ),
    Column(
        "valid_from",
        "Hiệu lực từ",
        12,
        "Chỉ cho tiêu chí thành phần có hiệu lực một phần của kỳ (ví dụ từ 01/07/2025 sau sắp "
        "xếp đơn vị hành chính): ngày bắt đầu, dạng dd/mm/yyyy, trong kỳ đánh giá (sheet "
        "Thông tin). Điểm và điểm tối đa được tính theo tỷ lệ số ngày. Để trống = từ đầu kỳ.",
        "01/07/2025",
    ),
    Column(
        "valid_to",
        "Hiệu lực đến",
        12,
        "Ngày kết thúc hiệu lực (dd/mm/yyyy), trong kỳ đánh giá. Để trống = đến cuối kỳ.",
        "",
    ),
    Column(
        "block",
        "Khối",
        10,
        "Ghi 'có' nếu mục là một khối có thể vắng mặt ở một đơn vị (ví dụ điều tra xã hội học "
        "không tổ chức): đơn vị nhập 'không phát sinh' cho mã của khối; xử lý theo "
        "absent_block của sheet Thông tin.",
        "có",
    ),
)
REQUIRED_NODE_COLUMNS = ("code", "name", "max")

INFO_KEYS = (
    ("format", "Định dạng", f"Giữ nguyên: {FORMAT}"),
    ("code", "Mã bộ tiêu chí", "Mã ngắn, ví dụ laocai-internal-2025 (bắt buộc)"),
    ("name", "Tên bộ tiêu chí", "Tên tiếng Việt (bắt buộc)"),
    ("name_en", "Tên tiếng Anh", "Không bắt buộc"),
    ("version", "Phiên bản", "Ví dụ 2025 (bắt buộc)"),
    ("level", "Cấp áp dụng", "province | ministry | department_commune | ..."),
    ("decision", "Văn bản ban hành", "Ví dụ QĐ 876/QĐ-BNV ngày 10/11/2022"),
    ("status", "Tình trạng", "official | partial | example"),
    ("description", "Mô tả", "Ghi chú, phạm vi, những điểm chưa biết"),
    ("unit_types", "Loại đơn vị", "Cách nhau bởi dấu phẩy, ví dụ department, commune"),
    (
        "not_arising_default",
        "Không phát sinh mặc định",
        "exclude | full_points | not_allowed",
    ),
    ("bonus_cap", "Trần điểm thưởng", "Tổng điểm thưởng tối đa (để trống = không giới hạn)"),
    ("deduction_floor", "Sàn điểm trừ", "Tổng điểm trừ tối đa, số ≤ 0, ví dụ -5"),
    (
        "absent_block",
        "Khối vắng mặt",
        "exclude (loại khỏi điểm tối đa) | rescale (các mục còn lại quy đổi lên đủ điểm)",
    ),
    ("valid_from_year", "Áp dụng từ năm", "Năm đánh giá đầu tiên áp dụng, ví dụ 2022"),
    ("valid_to_year", "Áp dụng đến năm", "Năm đánh giá cuối cùng áp dụng (để trống = chưa hết)"),
    ("period_from", "Kỳ đánh giá từ", "Ngày đầu kỳ, dd/mm/yyyy (cần khi có mục hiệu lực một phần)"),
    ("period_to", "Kỳ đánh giá đến", "Ngày cuối kỳ, dd/mm/yyyy"),
)
BANDS_KEY = "bands"
BANDS_TITLE = "Xếp loại (bands)"
BAND_COLUMNS = (("code", "Mã"), ("label", "Tên"), ("min", "Chỉ số tối thiểu"))

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TITLE_FONT = Font(bold=True, size=12)
HINT_FONT = Font(italic=True, color="808080")
NUMBER_FORMAT = "0.00##"
BRACKET_KEY = re.compile(r"\(\s*([A-Za-z_]+)\s*\)\s*$")
