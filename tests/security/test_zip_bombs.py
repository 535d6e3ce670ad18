"""XLSX/DOCX zip bombs (issue 12, security pass): every reader of an Office file checks the
archive's directory first (parindex.common.office_zip: members, unpacked size, compression
ratio; nothing extracted) and caps a sheet's rows, refusing by file name and limit."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from parindex.common import office_zip
from parindex.core.errors import ValidationFailed
from parindex.files.methodology import read_methodology
from parindex.files.methodology_table import import_table
from parindex.files.scores import read_scores
from parindex.setup.workbook import read_sheets
from parindex.surveys.definitions import DefinitionError, form_from_xlsform
from parindex.surveys.responses_io import FileRefused, open_table

MB = 1024 * 1024
CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'
)


def xlsx_parts(
    sheet_xml: Iterable[str] | str, sheet: str = "Sheet1"
) -> dict[str, Iterable[str] | str]:
    """The parts of a minimal workbook with one sheet."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    doc = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ct = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
        'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'worksheet+xml"/></Types>'
    )
    return {
        "[Content_Types].xml": ct,
        "_rels/.rels": f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{doc}/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook {ns} {rel}><sheets><sheet name="{sheet}" sheetId="1" '
        'r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
        f'Type="{doc}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet_xml,
    }


def zip_bytes(parts: dict[str, Iterable[str] | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in parts.items():
            with z.open(name, "w", force_zip64=True) as member:
                for chunk in [text] if isinstance(text, str) else text:
                    member.write(chunk.encode())
    return out.getvalue()


def padded_sheet(mb: int) -> Iterable[str]:
    """A valid sheet padded with `mb` MB of blanks (compresses about a thousand times)."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    yield f"<worksheet {ns}><sheetData>"
    for _ in range(mb):
        yield " " * MB
    yield "</sheetData></worksheet>"


def rows_sheet(rows: int, dimension: bool, header: Iterable[str] = ()) -> Iterable[str]:
    """A sheet of `rows` rows: the header's (inline strings) if any, then numbers."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    yield f"<worksheet {ns}>"
    if dimension:
        yield f'<dimension ref="A1:A{rows}"/>'
    yield "<sheetData>"
    first = 1
    if header:
        cells = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in header)
        yield f'<row r="1">{cells}</row>'
        first = 2
    for start in range(first, rows + 1, 10_000):
        yield "".join(
            f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>'
            for r in range(start, min(start + 10_000, rows + 1))
        )
    yield "</sheetData></worksheet>"


def docx_bomb(mb: int) -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "word/document.xml": padded_sheet(mb),
        }
    )


# --- the check itself -------------------------------------------------------------------------


def test_the_directory_alone_refuses_an_archive_that_unpacks_too_far():
    bomb = zip_bytes(xlsx_parts(padded_sheet(25)))
    assert len(bomb) < 100 * 1024
    with pytest.raises(office_zip.OfficeFileRefused, match="bom.xlsx.*giải nén ra 25 MB"):
        office_zip.check_office_zip(bomb, "bom.xlsx", office_zip.METHODOLOGY)


def test_a_highly_compressed_member_is_refused_by_its_ratio():
    bomb = zip_bytes(xlsx_parts(padded_sheet(3)))
    with pytest.raises(office_zip.OfficeFileRefused, match="bom.xlsx.*tỉ lệ nén"):
        office_zip.check_office_zip(bomb, "bom.xlsx", office_zip.DEFAULT)


def test_too_many_members_are_refused():
    parts: dict[str, Iterable[str] | str] = {f"xl/m{i}.xml": "<a/>" for i in range(1_001)}
    with pytest.raises(office_zip.OfficeFileRefused, match="nhieu.xlsx.*1.001 thành phần"):
        office_zip.check_office_zip(zip_bytes(parts), "nhieu.xlsx", office_zip.DEFAULT)


def test_an_ordinary_workbook_passes_and_the_file_position_is_kept(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    for r in range(2_000):
        wb.active.append([r, "Sở Nội vụ", "1,5"])
    raw = io.BytesIO()
    wb.save(raw)
    raw.seek(3)
    office_zip.check_office_zip(raw, "ok.xlsx", office_zip.DEFAULT)
    assert raw.tell() == 3
    office_zip.check_office_zip(b"not a zip", "x.csv", office_zip.DEFAULT)  # left to the parser


# --- every reader -------------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _methodology_xlsx(tmp_path: Path, data: bytes, name: str) -> str:
    with pytest.raises(ValidationFailed) as exc:
        read_methodology(_write(tmp_path, name, data))
    return str(exc.value)


def _methodology_table(tmp_path: Path, data: bytes, name: str) -> str:
    with pytest.raises(ValidationFailed) as exc:
        import_table(_write(tmp_path, name, data))
    return str(exc.value)


def _scores(tmp_path: Path, data: bytes, name: str) -> str:
    from parindex.files.methodology import shipped_methodology

    with pytest.raises(ValidationFailed) as exc:
        read_scores(_write(tmp_path, name, data), shipped_methodology("vn-province-876"))
    return str(exc.value)


def _xlsform(tmp_path: Path, data: bytes, name: str) -> str:
    with pytest.raises(DefinitionError) as exc:
        form_from_xlsform(data, name)
    return " ".join(exc.value.problems)


def _responses(tmp_path: Path, data: bytes, name: str) -> str:
    with pytest.raises(FileRefused) as exc:
        table = open_table(io.BytesIO(data), name, len(data))
        for _row in table.reader:
            pass
    return str(exc.value)


def _setup(tmp_path: Path, data: bytes, name: str) -> str:
    sheets, problems = read_sheets(data, name)
    assert sheets == {}
    return " ".join(problems)


READERS: list[Callable[[Path, bytes, str], str]] = [
    _methodology_xlsx,
    _methodology_table,
    _scores,
    _xlsform,
    _responses,
    _setup,
]


@pytest.fixture(scope="module")
def bomb() -> bytes:
    # 101 MB of blanks in about 100 KB: over every reader's unpacked size but the survey
    # responses' (2 GB), and over every reader's compression ratio.
    return zip_bytes(xlsx_parts(padded_sheet(101)))


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.__name__.strip("_"))
def test_every_reader_refuses_a_zip_bomb_by_name_before_parsing(tmp_path, reader, bomb):
    assert len(bomb) < 200 * 1024
    message = reader(tmp_path, bomb, "bom.xlsx")
    assert "bom.xlsx" in message
    assert "bị từ chối" in message


def test_the_word_table_import_refuses_a_docx_bomb(tmp_path):
    message = _methodology_table(tmp_path, docx_bomb(25), "bom.docx")
    assert "bom.docx" in message
    assert "giải nén ra 25 MB, tối đa 20 MB" in message


@pytest.mark.parametrize("reader", [_scores, _xlsform, _setup], ids=["scores", "xlsform", "setup"])
def test_a_sheet_over_the_row_limit_is_refused_by_its_dimension(tmp_path, reader):
    # 100,001 short rows pack to a few hundred KB (the reported 287 KB file had 2 million);
    # the sheet's dimension says so: refused before any row is read
    data = zip_bytes(xlsx_parts(rows_sheet(office_zip.DEFAULT.max_rows + 1, True)))
    message = reader(tmp_path, data, "dai.xlsx")
    assert "dai.xlsx" in message
    assert "quá 100.000 dòng" in message


def test_a_sheet_without_its_dimension_is_refused_when_the_reading_passes_the_limit(tmp_path):
    from parindex.setup.workbook import COLUMNS

    sheet = "Đơn vị"
    rows = rows_sheet(office_zip.DEFAULT.max_rows + 1, False, header=COLUMNS[sheet])
    message = _setup(tmp_path, zip_bytes(xlsx_parts(rows, sheet)), "dai.xlsx")
    assert "dai.xlsx" in message
    assert "quá 100.000 dòng" in message


def test_survey_responses_are_capped_at_their_own_row_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(office_zip, "SURVEY_RESPONSES", office_zip.ZipLimits(max_rows=50))
    for dimension in (True, False):
        data = zip_bytes(xlsx_parts(rows_sheet(51, dimension)))
        message = _responses(tmp_path, data, "phieu.xlsx")
        assert "phieu.xlsx" in message
        assert "quá 50 dòng" in message
