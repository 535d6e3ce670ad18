"""Points and indices as whole ten-thousandths inside the numerics.

The planner publishes Decimals with 4 decimals (parindex.core.q4). Inside its numpy work it
counts in ten-thousandths of a point as 64-bit integers: 61,4203 is 614203. Sums and
comparisons are then exact (ties stay ties, as in the published ranking), and converting
back gives the same Decimal. Floats appear only where a draw is continuous (a Normal
sampling error, a weight perturbed) and are rounded half up to a ten-thousandth at once.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import numpy.typing as npt

from parindex.core import q4

SCALE = 10_000
_SCALE = Decimal(SCALE)
Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


def to_units(value: Decimal) -> int:
    """A Decimal with at most 4 decimals as ten-thousandths; more decimals are rounded half
    up first (q4)."""
    return int(q4(value) * _SCALE)


def from_units(units: int | np.integer) -> Decimal:
    """Ten-thousandths back to a Decimal with 4 decimals."""
    return q4(Decimal(int(units)) / _SCALE)


def round_units(values: Floats) -> Ints:
    """Floats in ten-thousandths rounded half up (away from zero for negatives, as
    ROUND_HALF_UP does) to whole ten-thousandths."""
    return (np.sign(values) * np.floor(np.abs(values) + 0.5)).astype(np.int64)


def share(numerator: int | np.integer, denominator: int) -> Decimal:
    """numerator / denominator as a Decimal with 4 decimals (a probability or a share)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    return q4(Decimal(int(numerator)) / Decimal(denominator))
