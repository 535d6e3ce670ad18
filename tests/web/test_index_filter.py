"""The index is shown one way everywhere: "Chỉ số 68,15 %"."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation

from parindex.web.templatetags.parindex import index, pct


def test_the_index_reads_as_a_percentage():
    with translation.override("vi"):
        assert index(Decimal("68.1534")) == "Chỉ số 68,15\u00a0%"
        assert pct(Decimal("20")) == "20,00\u00a0%"
        assert pct(None) == "–"
    with translation.override("en"):
        assert index(Decimal("68.1534")) == "Index 68.15\u00a0%"


def test_band_labels_follow_the_ui_language():
    from parindex.web.templatetags.parindex import band

    with translation.override("en"):
        assert [band(x) for x in ("Xuất sắc", "Tốt", "Khá", "Trung bình")] == [
            "Excellent",
            "Good",
            "Fair",
            "Average",
        ]
        assert band("Nhãn riêng") == "Nhãn riêng" and band("") == ""
    with translation.override("vi"):
        assert band("Tốt") == "Tốt"
