"""Select lists of model objects in Vietnamese alphabetical order of their labels (databases
sort names by code points: "Bát Xát" before "Bảo Thắng"). Forms use these fields where
Django's ModelChoiceField would list the queryset's order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator

from .collation import vn_key


class CollatedChoiceIterator(ModelChoiceIterator):
    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        label = self.field.label_from_instance
        for obj in sorted(self.queryset, key=lambda o: vn_key(str(label(o)))):
            yield self.choice(obj)


class CollatedModelChoiceField(forms.ModelChoiceField):
    iterator = CollatedChoiceIterator


class CollatedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = CollatedChoiceIterator
