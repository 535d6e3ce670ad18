"""The differences of a cycle reporting to an outside body (Cycle.reports_to), summed over
the ledger's lines (the ledger page, the Word report)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from parindex.core import q4

from .tables import LedgerEntry


@dataclass(frozen=True)
class OutsideTotals:
    """The differences of a cycle reporting to an outside body, summed over ledger lines:
    points cut by its own council, by the outside body, and won back by explanation."""

    council_cut: Decimal
    ministry_cut: Decimal
    recovered: Decimal


def outside_totals(entries: Iterable[LedgerEntry]) -> OutsideTotals:
    council = ministry = recovered = Decimal(0)
    for e in entries:
        council += e.council_cut or 0
        ministry += e.ministry_cut or 0
        recovered += e.recovered or 0
    return OutsideTotals(q4(council), q4(ministry), q4(recovered))
