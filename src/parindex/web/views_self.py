"""Self-assessment pages (being written)."""

from django.http import Http404


def self_assessment(request, pk):
    raise Http404
