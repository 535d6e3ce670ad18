from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

LIFETIMES = [
    ("30", _("30 ngày")),
    ("90", _("90 ngày")),
    ("365", _("1 năm")),
    ("", _("Không hết hạn")),
]


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Tên khóa"),
        max_length=100,
        help_text=_("Để nhận ra khóa sau này, ví dụ “Phần mềm một cửa — đồng bộ điểm”."),
        widget=forms.TextInput(attrs={"class": "w-input", "autocomplete": "off"}),
    )
    days = forms.ChoiceField(label=_("Thời hạn"), choices=LIFETIMES, initial="90", required=False)

    def clean_days(self) -> int | None:
        value = self.cleaned_data.get("days")
        return int(value) if value else None
