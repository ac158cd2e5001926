"""Heart-rate zones: maximal heart rate from age, heart-rate reserve (Karvonen), conversions.

Every function takes scalars, numpy arrays or pandas Series (a Series keeps its index).

Maximal heart rate from age (beats per minute):

* Fox SM, Naughton JP, Haskell WL. Physical activity and the prevention of coronary heart
  disease. Ann Clin Res 1971;3:404-432: ``220 - age``.
* Tanaka H, Monahan KD, Seals DR. Age-predicted maximal heart rate revisited. J Am Coll
  Cardiol 2001;37:153-156: ``208 - 0.7 * age``.
* Gellish RL, Goslin BR, Olson RE, et al. Longitudinal modeling of the relationship between
  age and maximal heart rate. Med Sci Sports Exerc 2007;39:822-829: ``207 - 0.7 * age``.
* Nes BM, Janszky I, Wisloff U, et al. Age-predicted maximal heart rate in healthy subjects:
  the HUNT fitness study. Scand J Med Sci Sports 2013;23:697-704: ``211 - 0.64 * age``.

Heart-rate reserve (Karvonen MJ, Kentala E, Mustala O. The effects of training on heart rate;
a longitudinal study. Ann Med Exp Biol Fenn 1957;35:307-315): target = HRrest + intensity ×
(HRmax − HRrest).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError


@dataclass(frozen=True)
class Equation:
    """HRmax = intercept - slope * age, with its source."""

    name: str
    intercept: float
    slope: float
    citation: str

    def __call__(self, age):
        return self.intercept - self.slope * age


EQUATIONS = {
    "fox": Equation("fox", 220.0, 1.0, "Fox et al. 1971, Ann Clin Res 3:404"),
    "tanaka": Equation("tanaka", 208.0, 0.7, "Tanaka et al. 2001, J Am Coll Cardiol 37:153"),
    "gellish": Equation("gellish", 207.0, 0.7, "Gellish et al. 2007, Med Sci Sports Exerc 39:822"),
    "nes": Equation("nes", 211.0, 0.64, "Nes et al. 2013, Scand J Med Sci Sports 23:697"),
}
AGE_RANGE = (10.0, 100.0)
RESTING_RANGE = (30.0, 120.0)


def _values(x):
    return x.to_numpy(dtype=float) if isinstance(x, pd.Series) else np.asarray(x, dtype=float)


def _like(template, values):
    """Return ``values`` shaped like ``template``: a Series, an array, or a float."""
    if isinstance(template, pd.Series):
        return pd.Series(values, index=template.index, name=template.name)
    values = np.asarray(values, dtype=float)
    return float(values) if values.ndim == 0 else values


def check_age(age) -> None:
    values = np.atleast_1d(_values(age))
    low, high = AGE_RANGE
    bad = values[~((values >= low) & (values <= high))]
    if bad.size:
        raise InputError(
            f"age must be between {low:g} and {high:g} years (the equations were fitted on "
            f"such ages); got {bad[0]:g}."
        )


def hrmax(age, equation: str = "tanaka"):
    """Predicted maximal heart rate (bpm) from age (years).

    Examples
    --------
    >>> hrmax(20)
    194.0
    >>> hrmax(np.array([20, 40]), "fox").tolist()
    [200.0, 180.0]
    """
    if equation not in EQUATIONS:
        raise InputError(f"unknown equation {equation!r}; choose one of {', '.join(EQUATIONS)}.")
    check_age(age)
    return _like(age, EQUATIONS[equation](_values(age)))


def _check_resting(hr_rest, hr_max) -> None:
    rest, top = _values(hr_rest), _values(hr_max)
    low, high = RESTING_RANGE
    if np.any(~np.isfinite(rest)) or np.any((rest < low) | (rest > high)):
        raise InputError(f"resting heart rate must be between {low:g} and {high:g} bpm.")
    if np.any(rest >= top):
        raise InputError("resting heart rate must be below the maximal heart rate.")


def as_fraction(intensity, name: str = "intensity") -> tuple[np.ndarray | float, str]:
    """Read an intensity as a fraction of 1, and say how it was read.

    Values all within [0, 1] are taken as fractions; values within [0, 100] with one above 1
    as percentages. Anything else is an error. Returns the fraction and ``"fraction"`` or
    ``"percentage"``: the reading that was assumed.

    Examples
    --------
    >>> as_fraction(0.7)
    (0.7, 'fraction')
    >>> as_fraction(70)
    (0.7, 'percentage')
    """
    values = _values(intensity)
    if np.any(~np.isfinite(values)) or np.any(values < 0) or np.any(values > 100):
        raise InputError(
            f"{name} must be a fraction in [0, 1] or a percentage in [0, 100]; got "
            f"{np.atleast_1d(values).tolist()}."
        )
    if np.all(values <= 1):
        return _like(intensity, values), "fraction"
    return _like(intensity, values / 100.0), "percentage"


def karvonen(intensity, hr_rest, hr_max):
    """Target heart rate (bpm) at a fraction of heart-rate reserve (Karvonen 1957).

    Examples
    --------
    >>> round(karvonen(0.7, 65, 194), 1), round(karvonen(80, 65, 194), 1)
    (155.3, 168.2)
    """
    fraction, _ = as_fraction(intensity)
    _check_resting(hr_rest, hr_max)
    rest, top = _values(hr_rest), _values(hr_max)
    result = rest + _values(fraction) * (top - rest)
    template = next((x for x in (intensity, hr_rest, hr_max) if isinstance(x, pd.Series)), result)
    return _like(template, result)


def pct_hrmax_to_pct_hrr(pct_hrmax, hr_rest, hr_max):
    """% HRmax -> % HRR (both as the input was given: fraction or percentage).

    Examples
    --------
    >>> round(pct_hrmax_to_pct_hrr(90, 65, 194), 1)
    85.0
    """
    fraction, reading = as_fraction(pct_hrmax, "% HRmax")
    _check_resting(hr_rest, hr_max)
    rest, top = _values(hr_rest), _values(hr_max)
    hrr = (_values(fraction) * top - rest) / (top - rest)
    scale = 100.0 if reading == "percentage" else 1.0
    return _like(pct_hrmax, hrr * scale)


def pct_hrr_to_pct_hrmax(pct_hrr, hr_rest, hr_max):
    """% HRR -> % HRmax (both as the input was given: fraction or percentage).

    Examples
    --------
    >>> round(pct_hrr_to_pct_hrmax(85.0, 65, 194), 1)
    90.0
    """
    fraction, reading = as_fraction(pct_hrr, "% HRR")
    _check_resting(hr_rest, hr_max)
    rest, top = _values(hr_rest), _values(hr_max)
    pct = (rest + _values(fraction) * (top - rest)) / top
    scale = 100.0 if reading == "percentage" else 1.0
    return _like(pct_hrr, pct * scale)


def parse_zone(text: str) -> tuple[float, float, str]:
    """``"70-80"`` -> (0.70, 0.80, "percentage"): a zone of HRR, and how it was read.

    Examples
    --------
    >>> parse_zone("70-80")
    (0.7, 0.8, 'percentage')
    >>> parse_zone("0.6-0.7")
    (0.6, 0.7, 'fraction')
    """
    low_text, sep, high_text = str(text).partition("-")
    try:
        low, high = float(low_text), float(high_text)
    except ValueError:
        low = high = float("nan")
    if not sep or not np.isfinite([low, high]).all():
        raise InputError(f"zone must look like 70-80 (percent of HRR); got {text!r}.")
    (low, high), reading = as_fraction(np.array([low, high]), "zone")
    if low >= high:
        raise InputError(f"zone {text!r}: the lower bound must be below the upper bound.")
    return float(low), float(high), reading


def zone_table(age: float, hr_rest: float, zone=(0.70, 0.80), equations=None) -> pd.DataFrame:
    """Heart-rate zone in bpm for each HRmax equation (one row per equation).

    Examples
    --------
    >>> zone_table(20, 65, (70, 80), ["tanaka"])[["hrmax_bpm", "low_bpm", "high_bpm"]].round(1)
       hrmax_bpm  low_bpm  high_bpm
    0      194.0    155.3     168.2
    """
    (low, high), _ = as_fraction(np.asarray(zone, dtype=float), "zone")
    if low >= high:
        raise InputError("the zone's lower bound must be below its upper bound.")
    rows = []
    for name in equations or list(EQUATIONS):
        top = hrmax(age, name)
        rows.append(
            {
                "equation": name,
                "citation": EQUATIONS[name].citation,
                "age_yr": age,
                "hr_rest_bpm": hr_rest,
                "hrmax_bpm": top,
                "zone_pct_hrr": f"{low:.0%}-{high:.0%}",
                "low_bpm": karvonen(low, hr_rest, top),
                "high_bpm": karvonen(high, hr_rest, top),
            }
        )
    return pd.DataFrame(rows)


def zone_explorer(age: float = 20, hr_rest: float = 65):
    """An ipywidgets control (age, resting HR, equation) showing the 70-80 % HRR zone.

    In a headless run (environment ``ANALYSIS_STATIC_WIDGETS=1``, which ``reproduce`` sets for
    its kernels) it returns the table the control starts with instead: nobody can move a
    slider there, the offline report could not draw the control (it would show
    ``interactive(children=...)``), and the widget's comm traffic has hung headless kernels
    (nbclient issue 312).
    """
    import os

    if os.environ.get("ANALYSIS_STATIC_WIDGETS") == "1":
        return zone_table(age, hr_rest, (70, 80))

    import ipywidgets as widgets
    from IPython.display import display

    def show(age, hr_rest, equation, zone):
        try:
            display(zone_table(age, hr_rest, zone, None if equation == "all" else [equation]))
        except InputError as exc:
            print(f"error: {exc}")

    return widgets.interactive(
        show,
        age=widgets.IntSlider(value=int(age), min=10, max=100, description="age (yr)"),
        hr_rest=widgets.IntSlider(value=int(hr_rest), min=30, max=120, description="rest (bpm)"),
        equation=widgets.Dropdown(options=["all", *EQUATIONS], value="all"),
        zone=widgets.IntRangeSlider(value=(70, 80), min=0, max=100, description="% HRR"),
    )
