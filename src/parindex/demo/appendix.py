"""The demo's appendix table: a Word file in the layout of the official decisions' appendices
(STT | lĩnh vực / tiêu chí / tiêu chí thành phần | điểm tối đa | tài liệu kiểm chứng |
phương thức đánh giá), which the demo imports through the set-up service exactly as a Sở Nội
vụ uploads the appendix of the decision on its desk.

SYNTHETIC. It follows what is public of QĐ 876/QĐ-BNV (see the skeleton
`parindex/methodologies/vn-province-876.yaml`): 8 fields, 37 criteria, 88 sub-criteria; 100 points
= appraisal 61,5 + SIPAS 10 + leaders' survey 22 + socio-economic impact 6,5; the sourced field
maxima 13 (procedures), 10,5 (apparatus), 15 (civil service), 16,5 (impact). Everything else
(the four other field maxima, every criterion and sub-criterion, their names and points, the
split of the leaders' survey over fields 1-7) is invented for the demo and said so in the
table's title and its note row."""

from __future__ import annotations

import io
from decimal import Decimal

import docx

APPRAISED, SURVEY = "Thẩm định", "Điều tra xã hội học"
HEADER = (
    "STT",
    "Lĩnh vực/Tiêu chí/Tiêu chí thành phần",
    "Điểm tối đa",
    "Tài liệu kiểm chứng",
    "Phương thức đánh giá",
)
TITLE = (
    "Bộ Chỉ số cải cách hành chính cấp tỉnh — bảng minh họa theo cấu trúc đã công bố "
    "(8 lĩnh vực, 37 tiêu chí, 88 tiêu chí thành phần), dữ liệu tổng hợp"
)
BEFORE = (
    "PHỤ LỤC (MINH HỌA)",
    TITLE,
    "Bảng do parindex tạo cho bản trình diễn, không phải văn bản chính thức của Bộ Nội vụ.",
)
NOTE = (
    "Ghi chú: tên, điểm tối đa của các tiêu chí, tiêu chí thành phần và điểm tối đa của các "
    "lĩnh vực 1, 2, 6, 7 là giả định minh họa; chỉ cấu trúc 8/37/88, bốn khối điểm và điểm tối "
    "đa các lĩnh vực 3, 4, 5, 8 có nguồn công bố."
)

# (name, evidence, method, [(sub-criterion, max[, levels])]) per criterion, per field.
Sub = tuple[str, str] | tuple[str, str, tuple[tuple[str, str], ...]]
Criterion = tuple[str, str, str, tuple[Sub, ...]]
ON_TIME = (("Ban hành đúng hạn", "{max}"), ("Ban hành chậm", "0"))
FIELDS: tuple[tuple[str, tuple[Criterion, ...]], ...] = (
    (
        "CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH",
        (
            (
                "Kế hoạch CCHC năm",
                "Kế hoạch CCHC năm của UBND tỉnh; báo cáo kết quả thực hiện",
                APPRAISED,
                (
                    ("Ban hành kế hoạch CCHC năm đúng hạn", "0,5", ON_TIME),
                    ("Tỷ lệ nhiệm vụ của kế hoạch hoàn thành (%)", "1,5"),
                ),
            ),
            (
                "Báo cáo CCHC",
                "Báo cáo quý, 6 tháng, năm gửi Bộ Nội vụ",
                APPRAISED,
                (("Thực hiện chế độ báo cáo định kỳ đầy đủ, đúng hạn", "1"),),
            ),
            (
                "Kiểm tra công tác CCHC",
                "Kế hoạch kiểm tra; kết luận kiểm tra",
                APPRAISED,
                (
                    ("Tỷ lệ cơ quan, đơn vị được kiểm tra trong năm (%)", "0,75"),
                    ("Xử lý các vấn đề phát hiện qua kiểm tra", "0,75"),
                ),
            ),
            (
                "Thông tin, tuyên truyền CCHC",
                "Kế hoạch tuyên truyền CCHC; báo cáo kết quả",
                APPRAISED,
                (
                    ("Ban hành kế hoạch tuyên truyền CCHC", "0,5"),
                    ("Mức độ thực hiện kế hoạch tuyên truyền", "0,5"),
                ),
            ),
            (
                "Sáng kiến, giải pháp mới trong CCHC",
                "Quyết định công nhận sáng kiến; báo cáo kết quả áp dụng",
                APPRAISED,
                (
                    ("Có sáng kiến, giải pháp mới được áp dụng", "1"),
                    ("Cải thiện Chỉ số CCHC so với năm trước", "0,5"),
                ),
            ),
            (
                "Đánh giá của lãnh đạo, quản lý về công tác chỉ đạo, điều hành CCHC",
                "",
                SURVEY,
                (
                    ("Tính năng động của lãnh đạo tỉnh trong chỉ đạo CCHC", "1,5"),
                    ("Hiệu quả công tác tuyên truyền, kiểm tra CCHC", "1,5"),
                ),
            ),
        ),
    ),
    (
        "XÂY DỰNG VÀ TỔ CHỨC THỰC HIỆN VĂN BẢN QPPL TẠI TỈNH",
        (
            (
                "Xây dựng, ban hành văn bản QPPL",
                "Kế hoạch xây dựng VBQPPL; hồ sơ thẩm định",
                APPRAISED,
                (
                    ("Tỷ lệ văn bản ban hành theo kế hoạch (%)", "1,5"),
                    ("Thực hiện quy trình lấy ý kiến, thẩm định dự thảo", "1,5"),
                ),
            ),
            (
                "Rà soát, hệ thống hóa văn bản QPPL",
                "Kế hoạch rà soát; quyết định công bố danh mục",
                APPRAISED,
                (
                    ("Ban hành kế hoạch rà soát đúng hạn", "0,5", ON_TIME),
                    ("Xử lý kết quả rà soát", "1"),
                    ("Công bố danh mục văn bản hết hiệu lực đúng hạn", "0,5"),
                ),
            ),
            (
                "Kiểm tra, xử lý văn bản QPPL",
                "Báo cáo kết quả tự kiểm tra văn bản",
                APPRAISED,
                (
                    ("Tỷ lệ văn bản được tự kiểm tra (%)", "0,75"),
                    ("Xử lý văn bản trái pháp luật sau kiểm tra", "0,75"),
                ),
            ),
            (
                "Theo dõi thi hành pháp luật",
                "Kế hoạch theo dõi thi hành pháp luật; báo cáo",
                APPRAISED,
                (
                    ("Ban hành kế hoạch theo dõi thi hành pháp luật", "0,5"),
                    ("Tỷ lệ nhiệm vụ theo dõi thi hành pháp luật hoàn thành (%)", "1,5"),
                ),
            ),
            (
                "Đánh giá của lãnh đạo, quản lý về chất lượng văn bản QPPL",
                "",
                SURVEY,
                (
                    ("Tính phù hợp, khả thi của văn bản QPPL do tỉnh ban hành", "1,25"),
                    ("Tính đồng bộ, thống nhất của hệ thống văn bản QPPL", "1,25"),
                    ("Tác động của văn bản QPPL đến phát triển kinh tế - xã hội", "1"),
                ),
            ),
        ),
    ),
    (
        "CẢI CÁCH THỦ TỤC HÀNH CHÍNH",
        (
            (
                "Công bố, công khai thủ tục hành chính",
                "Quyết định công bố TTHC; Cổng Dịch vụ công",
                APPRAISED,
                (
                    ("Tỷ lệ TTHC được công bố đúng hạn (%)", "1"),
                    ("Công khai TTHC trên Cổng Dịch vụ công", "1"),
                ),
            ),
            (
                "Rà soát, đơn giản hóa thủ tục hành chính",
                "Kế hoạch rà soát; phương án đơn giản hóa",
                APPRAISED,
                (
                    ("Ban hành kế hoạch rà soát TTHC", "0,5"),
                    ("Thực hiện phương án đơn giản hóa TTHC", "1"),
                ),
            ),
            (
                "Thực hiện cơ chế một cửa, một cửa liên thông",
                "Quyết định danh mục TTHC tiếp nhận tại Trung tâm Phục vụ hành chính công",
                APPRAISED,
                (
                    ("Tỷ lệ TTHC tiếp nhận tại Trung tâm Phục vụ hành chính công (%)", "1"),
                    ("Thực hiện liên thông thủ tục hành chính", "0,75"),
                    ("Tỷ lệ hồ sơ, kết quả giải quyết TTHC được số hóa (%)", "0,75"),
                ),
            ),
            (
                "Kết quả giải quyết thủ tục hành chính",
                "Số liệu Hệ thống thông tin giải quyết TTHC của tỉnh",
                APPRAISED,
                (
                    ("Tỷ lệ hồ sơ giải quyết đúng hạn (%)", "2"),
                    ("Xin lỗi người dân khi giải quyết hồ sơ quá hạn", "1"),
                ),
            ),
            (
                "Tiếp nhận, xử lý phản ánh, kiến nghị",
                "Báo cáo tiếp nhận, xử lý phản ánh, kiến nghị",
                APPRAISED,
                (
                    ("Tỷ lệ phản ánh, kiến nghị được xử lý đúng hạn (%)", "0,5"),
                    ("Công khai kết quả xử lý phản ánh, kiến nghị", "0,5"),
                ),
            ),
            (
                "Đánh giá của lãnh đạo, quản lý về cải cách thủ tục hành chính",
                "",
                SURVEY,
                (
                    ("Tính công khai, minh bạch của TTHC", "1"),
                    ("Mức độ đơn giản của TTHC", "1"),
                    ("Hiệu quả cơ chế một cửa, một cửa liên thông", "1"),
                ),
            ),
        ),
    ),
    (
        "CẢI CÁCH TỔ CHỨC BỘ MÁY HÀNH CHÍNH",
        (
            (
                "Sắp xếp tổ chức bộ máy",
                "Quyết định quy định chức năng, nhiệm vụ, cơ cấu tổ chức",
                APPRAISED,
                (
                    ("Thực hiện quy định về tổ chức các cơ quan chuyên môn", "1,5"),
                    ("Sắp xếp đơn vị hành chính cấp xã", "1,5"),
                ),
            ),
            (
                "Quản lý biên chế và số lượng cấp phó",
                "Quyết định giao biên chế; báo cáo số lượng cấp phó",
                APPRAISED,
                (
                    ("Tỷ lệ cơ quan bố trí số lượng cấp phó đúng quy định (%)", "0,75"),
                    ("Tỷ lệ tinh giản biên chế so với kế hoạch (%)", "0,75"),
                ),
            ),
            (
                "Phân cấp, ủy quyền",
                "Quyết định phân cấp; báo cáo kiểm tra",
                APPRAISED,
                (
                    ("Thực hiện các nhiệm vụ được phân cấp", "1,5"),
                    ("Kiểm tra việc thực hiện nhiệm vụ được phân cấp", "1,5"),
                ),
            ),
            (
                "Đánh giá của lãnh đạo, quản lý về tổ chức bộ máy",
                "",
                SURVEY,
                (
                    ("Tính hợp lý của cơ cấu tổ chức", "1,5"),
                    ("Hiệu quả phân cấp quản lý", "1,5"),
                ),
            ),
        ),
    ),
    (
        "CẢI CÁCH CHẾ ĐỘ CÔNG VỤ",
        (
            (
                "Vị trí việc làm",
                "Quyết định phê duyệt vị trí việc làm",
                APPRAISED,
                (
                    ("Phê duyệt vị trí việc làm của các cơ quan", "1"),
                    ("Bố trí công chức theo vị trí việc làm", "1"),
                ),
            ),
            (
                "Tuyển dụng công chức, viên chức",
                "Kế hoạch, kết quả tuyển dụng",
                APPRAISED,
                (
                    ("Thực hiện quy định về tuyển dụng", "1"),
                    ("Tuyển dụng theo vị trí việc làm", "1"),
                ),
            ),
            (
                "Đánh giá, xếp loại công chức",
                "Báo cáo kết quả đánh giá, xếp loại",
                APPRAISED,
                (
                    ("Thực hiện đánh giá, xếp loại đúng quy định", "1"),
                    ("Tỷ lệ công chức được đánh giá theo kết quả công việc (%)", "1"),
                ),
            ),
            (
                "Đào tạo, bồi dưỡng",
                "Kế hoạch đào tạo, bồi dưỡng; báo cáo kết quả",
                APPRAISED,
                (
                    ("Ban hành kế hoạch đào tạo, bồi dưỡng", "0,5"),
                    ("Tỷ lệ hoàn thành kế hoạch đào tạo, bồi dưỡng (%)", "1"),
                    ("Đánh giá chất lượng sau đào tạo, bồi dưỡng", "1"),
                ),
            ),
            (
                "Kỷ luật, kỷ cương hành chính",
                "Báo cáo kiểm tra công vụ; quyết định xử lý",
                APPRAISED,
                (
                    ("Chấp hành kỷ luật, kỷ cương của công chức", "1,5"),
                    ("Xử lý vi phạm kỷ luật, kỷ cương", "1,5"),
                ),
            ),
            (
                "Đánh giá của lãnh đạo, quản lý về chế độ công vụ",
                "",
                SURVEY,
                (
                    ("Chất lượng tuyển dụng công chức", "1,25"),
                    ("Năng lực của công chức", "1,25"),
                    ("Tinh thần trách nhiệm của công chức", "1"),
                ),
            ),
        ),
    ),
    (
        "CẢI CÁCH TÀI CHÍNH CÔNG",
        (
            (
                "Quản lý, sử dụng ngân sách nhà nước",
                "Báo cáo quyết toán; báo cáo giải ngân",
                APPRAISED,
                (
                    ("Tỷ lệ giải ngân vốn đầu tư công (%)", "2"),
                    ("Thực hiện công khai ngân sách", "1"),
                    ("Thực hiện kiến nghị của thanh tra, kiểm toán", "1"),
                ),
            ),
            (
                "Cơ chế tự chủ của đơn vị sự nghiệp công lập",
                "Quyết định giao quyền tự chủ; báo cáo tài sản công",
                APPRAISED,
                (
                    ("Tỷ lệ đơn vị sự nghiệp tự bảo đảm chi thường xuyên (%)", "1,5"),
                    ("Quản lý, sử dụng tài sản công", "1"),
                    ("Thực hiện cơ chế tự chủ về tài chính", "1"),
                ),
            ),
            (
                "Đánh giá của lãnh đạo, quản lý về tài chính công",
                "",
                SURVEY,
                (
                    ("Tính công khai, minh bạch trong quản lý ngân sách", "1,25"),
                    ("Hiệu quả sử dụng tài sản công", "1,25"),
                ),
            ),
        ),
    ),
    (
        "XÂY DỰNG VÀ PHÁT TRIỂN CHÍNH QUYỀN ĐIỆN TỬ, CHÍNH QUYỀN SỐ",
        (
            (
                "Hạ tầng, nền tảng số",
                "Kế hoạch chuyển đổi số; hồ sơ cấp độ an toàn thông tin",
                APPRAISED,
                (
                    ("Ban hành kế hoạch chuyển đổi số năm", "0,5", ON_TIME),
                    ("Kết nối, chia sẻ dữ liệu với cơ sở dữ liệu quốc gia", "1"),
                    ("Bảo đảm an toàn thông tin theo cấp độ", "1,5"),
                ),
            ),
            (
                "Cung cấp dịch vụ công trực tuyến",
                "Số liệu Cổng Dịch vụ công của tỉnh",
                APPRAISED,
                (
                    ("Tỷ lệ TTHC cung cấp dịch vụ công trực tuyến toàn trình (%)", "1,5"),
                    ("Tỷ lệ hồ sơ nộp trực tuyến (%)", "1,5"),
                    ("Thanh toán trực tuyến phí, lệ phí", "1"),
                ),
            ),
            (
                "Ứng dụng công nghệ thông tin trong cơ quan nhà nước",
                "Báo cáo ứng dụng CNTT",
                APPRAISED,
                (
                    ("Tỷ lệ văn bản điện tử gửi, nhận trên môi trường mạng (%)", "1"),
                    ("Hệ thống thông tin báo cáo của tỉnh", "0,75"),
                    ("Sử dụng chữ ký số", "0,75"),
                ),
            ),
            (
                "Đánh giá của lãnh đạo, quản lý về chính quyền điện tử, chính quyền số",
                "",
                SURVEY,
                (
                    ("Tiện ích của Cổng Dịch vụ công", "1,25"),
                    ("Hiệu quả hệ thống quản lý văn bản, điều hành", "1,25"),
                    ("Hiệu quả chuyển đổi số trong chỉ đạo, điều hành", "1"),
                ),
            ),
        ),
    ),
    (
        "TÁC ĐỘNG CỦA CCHC ĐẾN NGƯỜI DÂN, TỔ CHỨC VÀ PHÁT TRIỂN KINH TẾ - XÃ HỘI CỦA TỈNH",
        (
            (
                "Sự hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính",
                "",
                SURVEY,
                (
                    ("Tiếp cận dịch vụ hành chính công", "1,5"),
                    ("Thủ tục hành chính", "1,5"),
                    ("Công chức giải quyết công việc", "1,5"),
                    ("Kết quả giải quyết công việc", "1,5"),
                ),
            ),
            (
                "Sự hài lòng về tổ chức thực hiện chính sách",
                "",
                SURVEY,
                (
                    ("Xây dựng chính sách", "2"),
                    ("Thực hiện chính sách", "2"),
                ),
            ),
            (
                "Tác động đến phát triển kinh tế - xã hội của tỉnh",
                "Số liệu của cơ quan thống kê; báo cáo tự đánh giá",
                APPRAISED,
                (
                    ("Tỷ lệ vốn đầu tư thực hiện so với kế hoạch (%)", "2"),
                    ("Tốc độ tăng trưởng GRDP so với mục tiêu (%)", "2,5"),
                    ("Tỷ lệ thu ngân sách so với dự toán (%)", "2"),
                ),
            ),
        ),
    ),
)


def _d(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def _vn(x: Decimal) -> str:
    return format(x.normalize(), "f").replace(".", ",")


def rows() -> list[tuple[str, ...]]:
    """The table's rows: header, column numbers, fields, criteria, sub-criteria with their
    scoring levels, the total and the note (merged across the table by `appendix_docx`)."""
    out: list[tuple[str, ...]] = [HEADER, tuple(f"({i})" for i in range(1, len(HEADER) + 1))]
    total = Decimal(0)
    for f, (field, criteria) in enumerate(FIELDS, start=1):
        field_max = sum((_d(s[1]) for _n, _e, _m, subs in criteria for s in subs), Decimal(0))
        total += field_max
        out.append((str(f), field, _vn(field_max), "", ""))
        for c, (name, evidence, method, subs) in enumerate(criteria, start=1):
            c_max = sum((_d(s[1]) for s in subs), Decimal(0))
            out.append((f"{f}.{c}", name, _vn(c_max), evidence, method))
            for s, sub in enumerate(subs, start=1):
                out.append((f"{f}.{c}.{s}", sub[0], sub[1], "", method))
                for level, points in sub[2] if len(sub) == 3 else ():
                    out.append(("", f"- {level}", points.format(max=sub[1]), "", ""))
    out.append(("", "Tổng cộng", _vn(total), "", ""))
    out.append((NOTE,))
    return out


def appendix_docx() -> bytes:
    """The appendix as a Word file (bytes)."""
    document = docx.Document()
    for text in BEFORE:
        document.add_paragraph(text)
    table_rows = rows()
    width = len(HEADER)
    table = document.add_table(rows=len(table_rows), cols=width)
    table.style = "Table Grid"
    for r, row in enumerate(table_rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
        if len(row) == 1:  # the note: one cell merged across the table
            table.cell(r, 0).merge(table.cell(r, width - 1))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
