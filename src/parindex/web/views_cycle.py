"""Cycle pages (being written)."""

from django.http import Http404


def cycle_detail(request, pk):
    raise Http404
