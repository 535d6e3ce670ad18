"""Vietnamese alphabetical order, as dictionaries sort names."""

from __future__ import annotations

from parindex.common.collation import vn_key


def test_names_sort_as_vietnamese_dictionaries_do():
    names = ["Bát Xát", "Đà Nẵng", "Âu Cơ", "Bảo Thắng", "Dương Minh Châu", "Ấp Bắc", "Anh Sơn"]
    assert sorted(names, key=vn_key) == [
        "Anh Sơn",  # a < ă < â: "Anh" before "Âu", "Ấp"
        "Ấp Bắc",
        "Âu Cơ",
        "Bảo Thắng",  # tones are a secondary difference: "bao" < "bat"
        "Bát Xát",
        "Dương Minh Châu",  # d < đ
        "Đà Nẵng",
    ]


def test_letters_then_tones():
    assert sorted(["Bắc Ninh", "Bạc Liêu", "Ba Vì", "Bà Rịa"], key=vn_key) == [
        "Bà Rịa",
        "Ba Vì",
        "Bạc Liêu",
        "Bắc Ninh",
    ]
    assert sorted(["Ưu", "Uông", "Ô Môn", "Ơn", "Oanh"], key=vn_key) == [
        "Oanh",
        "Ô Môn",
        "Ơn",
        "Uông",
        "Ưu",
    ]
    assert vn_key(None) == vn_key("")
