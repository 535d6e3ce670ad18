"""Decree 30 facts from generated documents (Word and text-layer PDF) with known values."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from decree30_strategies import expected, samples
from hypothesis import given, settings

from parindex.evidence import inspect_bytes
from parindex.evidence.facts import extract_facts
from parindex.evidence.samples import Sample, make_docx, make_pdf

FIELDS = ["issuer", "issuer_parent", "number", "date", "place", "doc_type", "title", "signer"]


@pytest.mark.parametrize("make", [make_docx, make_pdf], ids=["docx", "pdf"])
@settings(max_examples=40, deadline=None)
@given(sample=samples())
def test_generated_documents_give_back_their_facts(make, sample):
    facts = inspect_bytes(make(sample))
    assert {k: facts[k] for k in FIELDS} == expected(sample)
    assert facts["signature_block"] is True
    assert facts["text_layer"] is True and facts["ocr"] is False and facts["pages"] == 1
    assert facts["problems"] == []


def _plan(**changes) -> Sample:
    base = {
        "issuer": "SỞ NỘI VỤ",
        "issuer_parent": "UBND TỈNH LÀO CAI",
        "number": "123/KH-SNV",
        "place": "Lào Cai",
        "issued": date(2026, 1, 15),
        "doc_type": "Kế hoạch",
        "title": "Cải cách hành chính năm 2026",
        "signer": "Nguyễn Văn An",
    }
    return Sample(**{**base, **changes})


def test_number_without_colon_and_decision_symbol_with_year():
    text = "ỦY BAN NHÂN DÂN\nTỈNH LÀO CAI\nSố 123/2026/QĐ-UBND\nLào Cai, ngày 5 tháng 1 năm 2026\n"
    facts = extract_facts(text + "QUYẾT ĐỊNH\nVề việc ban hành Kế hoạch\n")
    assert facts.number == "123/2026/QĐ-UBND"
    assert facts.issuer == "ỦY BAN NHÂN DÂN TỈNH LÀO CAI"  # one name over two lines
    assert facts.issuer_parent is None
    assert facts.date == date(2026, 1, 5)
    assert (facts.doc_type, facts.title) == ("Quyết định", "Về việc ban hành Kế hoạch")


def test_decomposed_unicode_is_normalised():
    text = unicodedata.normalize(
        "NFD", "SỞ NỘI VỤ\nSố: 7/BC-SNV\nHà Nội, ngày 02 tháng 02 năm 2026"
    )
    facts = extract_facts(text + "\nBÁO CÁO\nKết quả năm 2026\n")
    assert facts.issuer == "SỞ NỘI VỤ"
    assert facts.number == "7/BC-SNV"
    assert facts.place == "Hà Nội" and facts.date == date(2026, 2, 2)
    assert facts.doc_type == "Báo cáo"


def test_date_broken_over_two_lines_is_found():
    facts = extract_facts(
        "SỞ NỘI VỤ\nSố: 7/TB-SNV\nLào Cai, ngày 15 tháng 01 năm\n2026\nTHÔNG BÁO\nX"
    )
    assert facts.date == date(2026, 1, 15)


def test_impossible_date_is_null_with_a_problem():
    facts = extract_facts("SỞ NỘI VỤ\nSố: 7/TB-SNV\nLào Cai, ngày 31 tháng 02 năm 2026\nTHÔNG BÁO")
    assert facts.date is None
    assert any("không hợp lệ" in p for p in facts.problems)


def test_type_from_symbol_when_no_title_line_and_mismatch_reported():
    assert extract_facts("SỞ NỘI VỤ\nSố: 9/TTr-SNV\nnội dung").doc_type == "Tờ trình"
    facts = extract_facts("SỞ NỘI VỤ\nSố: 9/BC-SNV\nKẾ HOẠCH\nCải cách\n")
    assert facts.doc_type == "Kế hoạch"
    assert any("khác ký hiệu" in p for p in facts.problems)


def test_no_signature_block_is_reported():
    sample = _plan()
    sample.position = ()
    sample.signer = ""
    facts = inspect_bytes(make_docx(sample))
    assert facts["signature_block"] is False and facts["signer"] is None
    assert any("chữ ký" in p for p in facts["problems"])


def test_body_references_do_not_override_the_header():
    # the body cites "Quyết định số 15/2025/QĐ-UBND ngày 10 tháng 3 năm 2025" (Sample default)
    facts = inspect_bytes(make_pdf(_plan()))
    assert facts["number"] == "123/KH-SNV" and facts["date"] == "2026-01-15"


def test_without_a_header_a_cited_number_and_date_are_not_taken_as_the_documents():
    facts = extract_facts(
        "Căn cứ Quyết định số 15/2025/QĐ-UBND ngày 10 tháng 3 năm 2025 của UBND tỉnh;\n"
        "Thực hiện Kế hoạch số 7/KH-UBND ngày 2 tháng 1 năm 2026.\n"
    )
    assert facts.number is None and facts.date is None
