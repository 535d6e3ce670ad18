"""Charts of the results as PNG bytes (matplotlib, Agg backend, DejaVu Sans for Vietnamese
diacritics): the ranking bars, the field profile (average / best / lowest, or one unit
against them) and the units x fields heatmap. Used by the Word report and the web pages."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from parindex.core import fmt_vn  # noqa: E402

from .tables import UnitRow  # noqa: E402

plt.rcParams.update(
    {
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.dpi": 100,
    }
)

BAND_COLOURS = {"A": "#1a7f37", "B": "#2f6fb3", "C": "#d29922", "D": "#c0392b"}
DEFAULT_COLOUR = "#6b7b8c"
MAX_BARS = 40  # a chart must fit on an A4 page with its caption
MAX_HEAT_ROWS = 40


def _png(fig: Figure, dpi: int = 200) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    return buf.getvalue()


def _vn(value: float, places: int = 2) -> str:
    """Decimal comma, rounded half up like every published figure (81,25 -> 81,3)."""
    return fmt_vn(Decimal(repr(value)), places)


def _limit(rows: Sequence[UnitRow], limit: int) -> tuple[list[UnitRow], int]:
    """All rows, or the first and last limit/2 with the number left out between them."""
    if len(rows) <= limit:
        return list(rows), 0
    half = limit // 2
    return list(rows[:half]) + list(rows[-half:]), len(rows) - 2 * half


def ranking_chart(rows: Sequence[UnitRow], title: str = "") -> bytes:
    """Horizontal bars of the index, best first, coloured by band, with the average."""
    shown, skipped = _limit(rows, MAX_BARS)
    labels = [f"{r.rank}. {textwrap.shorten(r.unit.name, 38, placeholder='…')}" for r in shown]
    values = [float(r.index) for r in shown]
    colours = [BAND_COLOURS.get(r.band, DEFAULT_COLOUR) for r in shown]
    height = max(1.5, 0.21 * len(shown) + 0.9)
    fig, ax = plt.subplots(figsize=(6.4, height))
    y = list(range(len(shown)))
    ax.barh(y, values, color=colours, height=0.7)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    low = max(0.0, (min(values) if values else 0) - 10)
    ax.set_xlim(low - low % 10, 100)
    for yi, v in zip(y, values, strict=True):
        ax.text(v + 0.3, yi, _vn(v), va="center", fontsize=7)
    if rows:
        avg = sum(float(r.index) for r in rows) / len(rows)
        ax.axvline(avg, color="#444", linestyle="--", linewidth=0.8, label=f"Bình quân: {_vn(avg)}")
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
    if skipped:
        mid = len(shown) // 2 - 0.5
        ax.axhline(mid, color="#999", linewidth=0.6, linestyle=":")
        ax.text(
            low - low % 10 + 0.5,
            mid,
            f"… {skipped} đơn vị khác …",
            fontsize=7,
            va="center",
            color="#666",
            backgroundcolor="white",
        )
    ax.set_xlabel("Chỉ số (%)")
    if title:
        ax.set_title(title, loc="left")
    ax.grid(axis="x", linewidth=0.3, alpha=0.6)
    return _png(fig)


def field_profile_chart(
    fields: Sequence[tuple[str, str]],
    series: Sequence[tuple[str, Sequence[Decimal | None]]],
    title: str = "",
) -> bytes:
    """Grouped bars of component indices per field; `fields` = (code, name), `series` =
    (label, one value per field): e.g. average, best, lowest; or a unit, average, best."""
    palette = ["#2f6fb3", "#1a7f37", "#d29922", "#c0392b"]
    n = max(len(series), 1)
    width = 0.8 / n
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    xs = list(range(len(fields)))
    for i, (label, values) in enumerate(series):
        vals = [float(v) if v is not None else 0.0 for v in values]
        pos = [x - 0.4 + width * (i + 0.5) for x in xs]
        ax.bar(pos, vals, width=width * 0.95, label=label, color=palette[i % len(palette)])
        if len(fields) * n <= 40:
            for p, v in zip(pos, vals, strict=True):
                ax.text(p, v + 0.8, _vn(v, 2), ha="center", fontsize=6, rotation=90)
    ax.set_xticks(xs, [f"LV {c}" for c, _n in fields])
    ax.set_ylim(0, 112)
    ax.set_ylabel("Chỉ số thành phần (%)")
    ax.legend(
        loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=7, ncols=min(n, 4), frameon=False
    )
    ax.grid(axis="y", linewidth=0.3, alpha=0.6)
    if title:
        ax.set_title(title, loc="left")
    return _png(fig)


def heatmap_chart(rows: Sequence[UnitRow], title: str = "") -> bytes:
    """Units (rank order) x fields, coloured by component index (red low, green high)."""
    shown, skipped = _limit(rows, MAX_HEAT_ROWS)
    fields = [f.code for f in shown[0].fields] if shown else []
    data = [
        [float(f.index) if f.index is not None else float("nan") for f in r.fields] for r in shown
    ]
    height = max(1.4, 0.2 * len(shown) + 0.8)
    fig, ax = plt.subplots(figsize=(6.4, height))
    im = ax.imshow(data or [[0.0]], cmap="RdYlGn", vmin=50, vmax=100, aspect="auto")
    ax.set_xticks(range(len(fields)), [f"LV {c}" for c in fields])
    ax.xaxis.tick_top()
    ax.set_yticks(
        range(len(shown)),
        [f"{r.rank}. {textwrap.shorten(r.unit.name, 34, placeholder='…')}" for r in shown],
    )
    ax.tick_params(length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    if len(shown) <= 45:
        for i, row in enumerate(data):
            for j, v in enumerate(row):
                if v == v:  # not NaN
                    ax.text(j, i, _vn(v, 1), ha="center", va="center", fontsize=6)
    if skipped:
        ax.axhline(len(shown) / 2 - 0.5, color="black", linewidth=1.2)
        ax.set_xlabel(f"(giữa hai phần đã lược {skipped} đơn vị)", fontsize=7)
    cbar = fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
    cbar.set_label("Chỉ số thành phần (%)", fontsize=7)
    cbar.ax.tick_params(labelsize=7)
    if title:
        ax.set_title(title, loc="left", pad=18)
    return _png(fig)


def unit_fields_chart(profile: Any) -> bytes:
    """One unit's component index per field against the average and the best unit of its
    type (a selectors.UnitProfile)."""
    fields = [c for c in profile.fields if c.depth == 1]
    return field_profile_chart(
        [(c.code, c.name) for c in fields],
        [
            (
                textwrap.shorten(profile.row.unit.name, 30, placeholder="…"),
                [c.index for c in fields],
            ),
            ("Bình quân", [c.average for c in fields]),
            ("Cao nhất", [c.best for c in fields]),
        ],
    )
