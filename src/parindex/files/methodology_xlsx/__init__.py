"""A methodology as an Excel workbook: a template officials type or paste the official tables
into, read back into the same Methodology (YAML -> Excel -> YAML gives an equal methodology).

Sheets:

- "Thông tin": key | value rows (format, code, name, ...), then the "Xếp loại (bands)" table
  (code | label | min) of classification bands;
- "Tiêu chí": one row per node, fields/criteria/sub-criteria in tree order, then the bonus and
  deduction items (section "điều chỉnh"). The hierarchy comes from the codes: the parent of
  "1.2.3" is "1.2". Rule parameters are `key=value` pairs separated by ";" and threshold bands
  read `[80..100)=0,5; [0..80)=0` ("[" "]" inclusive, "(" ")" exclusive);
- "Hướng dẫn": how to fill the workbook, in Vietnamese.

Reading turns the rows into the plain dicts that `methodology_from_dict` takes, so every rule of
the methodology is checked in one place; each row's Excel number is kept under `__line__` so
messages name the row. Syntax errors of the cells (parameters, bands, yes/no, section, header)
are collected for the whole workbook and raised together as ValidationFailed.

Modules: `layout` (sheets, columns, words, styles), `write` (export), `read` (import).
"""

from .layout import HELP_SHEET, INFO_SHEET, NODES_SHEET
from .read import methodology_dict_from_xlsx, parse_band, read_methodology_xlsx
from .write import band_text, write_methodology_xlsx

__all__ = [
    "HELP_SHEET",
    "INFO_SHEET",
    "NODES_SHEET",
    "band_text",
    "methodology_dict_from_xlsx",
    "parse_band",
    "read_methodology_xlsx",
    "write_methodology_xlsx",
]
