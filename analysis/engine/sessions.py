"""Exercise protocols, and how their time splits across heart-rate-reserve bands.

A :class:`Protocol` is a list of intervals (minutes, an intensity range in % HRmax or % HRR),
sessions per week and weeks. :func:`time_in_bands` converts every interval to % HRR for one
person (age, resting heart rate, HRmax equation) and splits its minutes across HRR bands,
assuming the heart rate is spread evenly over the interval's range. :func:`against_prescription`
checks a protocol against a prescription such as "30-40 min, 4-5 days/week at 70-80 % HRR".
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..errors import InputError
from . import hrr

SCALES = ("hrmax", "hrr")
DEFAULT_BANDS = (0, 50, 60, 70, 80, 90, 100)


@dataclass(frozen=True)
class Interval:
    """``minutes`` at an intensity between ``low`` and ``high`` percent of HRmax or HRR."""

    minutes: float
    low: float
    high: float
    scale: str = "hrmax"
    label: str = ""

    def __post_init__(self):
        if self.scale not in SCALES:
            raise InputError(f"interval scale must be one of {SCALES}, got {self.scale!r}.")
        if self.minutes <= 0:
            raise InputError(f"interval minutes must be positive, got {self.minutes}.")
        if not 0 <= self.low <= self.high <= 100:
            raise InputError(
                f"interval intensity {self.low}-{self.high} must be percentages with low <= high."
            )


@dataclass(frozen=True)
class Protocol:
    """A training protocol: one session's intervals, its weekly frequency and its length."""

    name: str
    intervals: tuple[Interval, ...]
    sessions_per_week: float
    weeks: float

    @property
    def session_minutes(self) -> float:
        return float(sum(i.minutes for i in self.intervals))


@dataclass(frozen=True)
class Prescription:
    """A dose: minutes per session, sessions per week, and an intensity band in % HRR."""

    min_minutes: float = 30
    max_minutes: float = 40
    min_days: float = 4
    max_days: float = 5
    low_pct_hrr: float = 70
    high_pct_hrr: float = 80
    source: str = "Konopka & Harber 2014, as quoted by the popular article"


def _overlap_share(
    low: float, high: float, band_low: float, band_high: float, first: bool = False
) -> float:
    """Share of an even spread over [low, high] that falls in the band (band_low, band_high].

    Bands are closed on the right, so a steady 80 % HRR counts in 70-80; the ``first`` band
    also takes its lower edge.
    """
    if high == low:
        inside = band_low < low <= band_high or (first and low == band_low)
        return 1.0 if inside else 0.0
    overlap = max(0.0, min(high, band_high) - max(low, band_low))
    return overlap / (high - low)


def interval_pct_hrr(interval: Interval, hr_rest: float, hr_max: float) -> tuple[float, float]:
    """The interval's intensity range in % HRR."""
    if interval.scale == "hrr":
        return interval.low, interval.high
    # passed as fractions, so that 1 % is never mistaken for the fraction 1
    return tuple(
        100 * float(hrr.pct_hrmax_to_pct_hrr(pct / 100, hr_rest, hr_max))
        for pct in (interval.low, interval.high)
    )


def time_in_bands(
    protocol: Protocol,
    age: float,
    hr_rest: float,
    equation: str = "tanaka",
    bands=DEFAULT_BANDS,
) -> pd.DataFrame:
    """Minutes per session and per week in each % HRR band (bands closed on the right).

    Intensities below 0 % HRR (under resting heart rate) count in the lowest band.

    Examples
    --------
    >>> p = Protocol("easy", (Interval(30, 75, 75, "hrr"),), sessions_per_week=4, weeks=12)
    >>> time_in_bands(p, 20, 65).set_index("band")["minutes_per_week"]["70-80"]
    np.float64(120.0)
    """
    hr_max = float(hrr.hrmax(age, equation))
    edges = list(bands)
    rows = []
    for interval in protocol.intervals:
        low, high = interval_pct_hrr(interval, hr_rest, hr_max)
        low, high = max(low, edges[0]), max(high, edges[0])
        for j, (band_low, band_high) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
            share = _overlap_share(low, high, band_low, band_high, first=j == 0)
            rows.append(
                {"band": f"{band_low:g}-{band_high:g}", "minutes": interval.minutes * share}
            )
    table = pd.DataFrame(rows).groupby("band", sort=False, as_index=False)["minutes"].sum()
    table = table.rename(columns={"minutes": "minutes_per_session"})
    table["minutes_per_week"] = table["minutes_per_session"] * protocol.sessions_per_week
    table.insert(0, "protocol", protocol.name)
    table["equation"] = equation
    return table


def against_prescription(
    protocol: Protocol,
    age: float,
    hr_rest: float,
    equation: str = "tanaka",
    prescription: Prescription | None = None,
) -> pd.DataFrame:
    """Does the protocol meet the prescription? One row with every criterion and the verdict.

    Examples
    --------
    >>> p = Protocol("match", (Interval(35, 72, 78, "hrr"),), sessions_per_week=4, weeks=12)
    >>> bool(against_prescription(p, 20, 65)["meets_prescription"].iloc[0])
    True
    """
    rx = prescription or Prescription()
    band = f"{rx.low_pct_hrr:g}-{rx.high_pct_hrr:g}"
    hr_max = float(hrr.hrmax(age, equation))
    in_band = 0.0
    for interval in protocol.intervals:
        low, high = interval_pct_hrr(interval, hr_rest, hr_max)
        if high == low:  # a steady intensity counts when it lies in the band, edges included
            share = 1.0 if rx.low_pct_hrr <= low <= rx.high_pct_hrr else 0.0
        else:
            share = _overlap_share(low, high, rx.low_pct_hrr, rx.high_pct_hrr)
        in_band += interval.minutes * share
    row = {
        "protocol": protocol.name,
        "equation": equation,
        "hrmax_bpm": hr_max,
        "session_minutes": protocol.session_minutes,
        "sessions_per_week": protocol.sessions_per_week,
        "minutes_in_band_per_session": in_band,
        "minutes_in_band_per_week": in_band * protocol.sessions_per_week,
        "band_pct_hrr": band,
        "meets_minutes": bool(rx.min_minutes <= in_band),
        "meets_days": bool(rx.min_days <= protocol.sessions_per_week),
        "prescribed_minutes_per_week": f"{rx.min_minutes * rx.min_days:g}-"
        f"{rx.max_minutes * rx.max_days:g}",
    }
    row["meets_prescription"] = row["meets_minutes"] and row["meets_days"]
    return pd.DataFrame([row])


def intervals_table(protocol: Protocol, age: float, hr_rest: float, equation: str = "tanaka"):
    """Each interval with its intensity in % HRmax, % HRR and bpm."""
    hr_max = float(hrr.hrmax(age, equation))
    rows = []
    for interval in protocol.intervals:
        low, high = interval_pct_hrr(interval, hr_rest, hr_max)
        to_bpm = (
            (lambda pct: hr_max * pct / 100)
            if interval.scale == "hrmax"
            else (lambda pct: hrr.karvonen(pct / 100, hr_rest, hr_max))
        )
        rows.append(
            {
                "label": interval.label,
                "minutes": interval.minutes,
                "given_as": interval.scale,
                "low_pct_hrr": low,
                "high_pct_hrr": high,
                "low_bpm": float(to_bpm(interval.low)),
                "high_bpm": float(to_bpm(interval.high)),
            }
        )
    return pd.DataFrame(rows).assign(equation=equation, hrmax_bpm=hr_max)


__all__ = [
    "DEFAULT_BANDS",
    "Interval",
    "Prescription",
    "Protocol",
    "against_prescription",
    "intervals_table",
    "time_in_bands",
]
