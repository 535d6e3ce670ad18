"""The Word report (báo cáo kết quả xác định Chỉ số CCHC) in the layout of administrative
documents of Decree 30/2020/NĐ-CP (Appendix I): A4, margins top/bottom 20 mm, left 30 mm,
right 15 mm; Times New Roman, body 14 pt; the heading block as a borderless two-column table
(issuing authority and agency with a short rule, "Số: …/BC-…" | national title, motto,
place and date in italics); "BÁO CÁO" and the summary (trích yếu) in bold, centred, with a
short rule; sections I-IV with tables (header shaded, repeated on each page) and charts;
the recipients block bottom-left and the signature block bottom-right; page numbers centred
at the top from page 2.

`ReportParams` carries the organisation names, number, place, date and signer;
`report_params_for(cycle)` derives defaults from the cycle's organiser.

Modules: `params` (who issues it), `layout` (python-docx helpers), `document` (the report).
"""

from .document import report_docx
from .params import ReportParams, report_params_for, vn_date_line

__all__ = ["ReportParams", "report_docx", "report_params_for", "vn_date_line"]
