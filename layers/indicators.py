"""Indicators, location quotients and cluster stars: pure functions on frames.

Input is the long Eurostat table (``layers.eurostat``). Output is one row per
region x NACE code x year with every indicator and its Eurostat flags; the
method is written up in ``docs/methodology.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import floor

import numpy as np
import pandas as pd

from layers import nace
from layers.join import is_extra_regio

BASE_CODES: dict[str, str] = {"V16110": "employment", "V11210": "local_units", "V13320": "wages"}
"""Eurostat indic_sb codes → our column names."""

TOP_SHARE = 0.10
"""Size and productivity stars go to the top 10% of regions: floor(10% x n), at least one.

Floor, so that no more than 10% qualify except through ties at the threshold,
and only a value above zero earns a star (a tie at zero is no concentration)."""
LQ_STAR = 2.0
"""Specialisation star: location quotient at least 2."""


@dataclass(frozen=True)
class Indicator:
    """How an indicator is shown: label, unit and decimals."""

    name: str
    label: str
    unit: str
    decimals: int
    description: str


INDICATORS: dict[str, Indicator] = {
    i.name: i
    for i in (
        Indicator("employment", "Persons employed", "persons", 0, "Eurostat V16110"),
        Indicator("local_units", "Local units", "units", 0, "Eurostat V11210"),
        Indicator("wages", "Wages and salaries", "million EUR", 1, "Eurostat V13320"),
        Indicator("avg_wage", "Average wage per person employed", "EUR", 0, "wages / persons employed"),
        Indicator("employment_share", "Share of the region's employment", "%", 2, "sector / sum of NACE sections"),
        Indicator("lq", "Location quotient (employment)", "ratio", 2, "region's share / share over all regions of the level"),
        Indicator("employment_change", "Persons employed, change on previous year", "%", 1, "year on year"),
        Indicator("local_units_change", "Local units, change on previous year", "%", 1, "year on year"),
        Indicator("wages_change", "Wages and salaries, change on previous year", "%", 1, "year on year"),
        Indicator("stars", "Cluster stars (size, specialisation, productivity)", "stars", 0, "0-3"),
    )
}
STAR_COLUMNS = ("star_size", "star_specialisation", "star_productivity")


def _union_flags(*flags: pd.Series) -> pd.Series:
    """Sorted union of flag letters, cell by cell."""
    joined = flags[0].fillna("")
    for f in flags[1:]:
        joined = joined + f.fillna("")
    return joined.map({v: "".join(sorted(set(v))) for v in joined.unique()})


def wide_base(long: pd.DataFrame) -> pd.DataFrame:
    """One row per geo x NACE x year with employment, local units, wages and their flags."""
    base = long.loc[long["indicator"].isin(BASE_CODES)]
    wide = base.pivot(index=["geo", "nace_r2", "year"], columns="indicator", values=["value", "flag"])
    out = pd.DataFrame(index=wide.index)
    for code, name in BASE_CODES.items():
        out[name] = wide["value"][code].astype("float64") if code in wide["value"] else np.nan
        flags = wide["flag"][code] if code in wide["flag"] else pd.Series("", index=wide.index)
        out[f"{name}_flag"] = flags.fillna("").astype(str)
    out = out.reset_index()
    out["year"] = out["year"].astype("int16")
    return out


def region_totals(wide: pd.DataFrame) -> pd.DataFrame:
    """The ``TOTAL`` pseudo-sector: sum over the NACE sections present.

    A section without a value (missing or confidential) makes the total
    incomplete: ``<name>_complete`` is False and the missing sections are listed;
    the value is then the sum of what is known, never a guess.
    """
    codes = wide["nace_r2"].unique()
    sections = sorted(c for c in codes if c != nace.TOTAL and nace.level_of(c) == 1)
    rows = wide.loc[wide["nace_r2"].isin(sections)]
    grouped = rows.groupby(["geo", "year"], sort=True)
    out = grouped[list(BASE_CODES.values())].sum(min_count=1)
    for name in BASE_CODES.values():
        present = grouped[name].count()
        out[f"{name}_complete"] = present == len(sections)
        out[f"{name}_flag"] = grouped[f"{name}_flag"].agg(lambda f: "".join(sorted(set("".join(f)))))
    # A section is missing from a total when its employment is NaN *or* its row is absent.
    known = rows.loc[rows["employment"].notna()].groupby(["geo", "year"])["nace_r2"].agg(frozenset)
    known = known.reindex(out.index)
    out["total_missing_sections"] = [",".join(s for s in sections if not isinstance(k, frozenset) or s not in k) for k in known]
    out = out.reset_index()
    out["nace_r2"] = nace.TOTAL
    return out


def _previous_year_change(frame: pd.DataFrame, column: str) -> tuple[pd.Series, pd.Series]:
    """Percent change on the previous calendar year within each geo x NACE series, and its flags.

    A total that lacks a section in either year is not compared (the two sums
    would cover different sections). The flag is the union of both years' flags.
    """
    current = frame[column].where(frame[f"{column}_complete"])
    prev = frame[["geo", "nace_r2", "year"]].assign(v=current, f=frame[f"{column}_flag"])
    prev["year"] = (prev["year"] + 1).astype("int16")
    merged = frame[["geo", "nace_r2", "year"]].merge(prev, on=["geo", "nace_r2", "year"], how="left")
    with np.errstate(divide="ignore", invalid="ignore"):
        change = (current.to_numpy() / merged["v"].to_numpy() - 1.0) * 100.0
    change[~np.isfinite(change)] = np.nan
    flags = _union_flags(frame[f"{column}_flag"].reset_index(drop=True), merged["f"])
    return pd.Series(change, index=frame.index), pd.Series(flags.to_numpy(), index=frame.index)


def top_share_cut(values: np.ndarray) -> float:
    """The size and productivity stars' threshold: the max(1, floor(10% x n))-th largest of n values (none NaN)."""
    ordered = np.sort(values)[::-1]
    return float(ordered[max(1, floor(TOP_SHARE * len(ordered))) - 1])


def _top_share_star(values: pd.Series, in_reference: pd.Series, groups: list[pd.Series]) -> pd.Series:
    """True where a value reaches the top-10% threshold of the reference regions in its group.

    The threshold is the max(1, floor(10% x n))-th largest value among the n
    reference regions with a value; regions outside the reference (old codes)
    are compared with it too. Only values above zero qualify. NA where the value
    itself is missing.
    """
    frame = pd.DataFrame({"v": values, "ref": in_reference})
    for i, g in enumerate(groups):
        frame[f"g{i}"] = g.to_numpy()
    keys = [f"g{i}" for i in range(len(groups))]
    ref = frame.loc[frame["ref"] & frame["v"].notna()]

    cut = ref.groupby(keys)["v"].agg(lambda v: top_share_cut(v.to_numpy())).rename("cut")
    merged = frame.merge(cut, left_on=keys, right_index=True, how="left")
    v, cut = merged["v"].to_numpy(), merged["cut"].to_numpy()
    star = pd.Series((v >= cut) & (v > 0), index=values.index, dtype="boolean")
    star[values.isna() | merged["cut"].isna().to_numpy()] = pd.NA
    return star


def compute_indicators(long: pd.DataFrame, *, has_shape: set[str]) -> pd.DataFrame:
    """Every indicator per region x NACE code x year, from the long SBS table.

    ``has_shape`` is the set of codes present in the NUTS geometry of the data's
    version; only those (and never extra-regio codes) form the reference for
    location quotients and star thresholds, so that old codes that overlap
    their successors in a year are not counted twice.

    Shares and LQs divide by the region's total over the sections present. Where
    a section is confidential that total is short, so ``region_total_complete``
    is False, ``region_missing_sections`` names the sections, and the share and
    LQ are upper bounds (shown as such, never silently).
    """
    wide = wide_base(long)
    totals = region_totals(wide)
    table = pd.concat([wide, totals], ignore_index=True, sort=False)
    for name in BASE_CODES.values():
        complete = table[f"{name}_complete"].astype("boolean") if f"{name}_complete" in table else None
        table[f"{name}_complete"] = complete.fillna(True).astype(bool) if complete is not None else True
    table["total_missing_sections"] = table["total_missing_sections"].fillna("").astype(str)
    table["level"] = (table["geo"].str.len() - 2).astype("int8")
    table["country"] = table["geo"].str[:2]
    table["extra_regio"] = is_extra_regio(table["geo"])
    table["nace_level"] = table["nace_r2"].map({c: nace.level_of(c) for c in table["nace_r2"].unique()}).astype("int8")
    table = table.sort_values(["level", "geo", "nace_r2", "year"], kind="stable").reset_index(drop=True)

    with np.errstate(divide="ignore", invalid="ignore"):
        table["avg_wage"] = table["wages"] * 1e6 / table["employment"].where(table["employment"] > 0)
    table["avg_wage_flag"] = _union_flags(table["wages_flag"], table["employment_flag"])

    total = table.loc[table["nace_r2"] == nace.TOTAL, ["geo", "year", "employment", "employment_complete", "employment_flag", "total_missing_sections"]]
    total = total.rename(
        columns={
            "employment": "region_employment",
            "employment_complete": "region_total_complete",
            "employment_flag": "region_flag",
            "total_missing_sections": "region_missing_sections",
        }
    )
    table = table.drop(columns="total_missing_sections").merge(total, on=["geo", "year"], how="left")
    table["region_total_complete"] = table["region_total_complete"].astype("boolean").fillna(False).astype(bool)
    table["region_missing_sections"] = table["region_missing_sections"].fillna("").astype(str)
    has_total = table["region_employment"] > 0
    table["employment_share"] = (table["employment"] / table["region_employment"] * 100.0).where(has_total)
    table["employment_share_flag"] = table["employment_flag"]

    sectors = table["nace_r2"] != nace.TOTAL
    reference = table["geo"].isin(has_shape) & ~table["extra_regio"] & table["employment"].notna() & has_total & sectors
    ref_sums = table.loc[reference].groupby(["level", "year", "nace_r2"])[["employment", "region_employment"]].sum()
    ref_share = (ref_sums["employment"] / ref_sums["region_employment"]).rename("ref_share")
    table = table.merge(ref_share, left_on=["level", "year", "nace_r2"], right_index=True, how="left")
    table["lq"] = (table["employment_share"] / 100.0 / table["ref_share"]).where(sectors & ~table["extra_regio"])
    table["lq_flag"] = table["employment_share_flag"]

    for name in BASE_CODES.values():
        table[f"{name}_change"], table[f"{name}_change_flag"] = _previous_year_change(table, name)

    is_region = table["geo"].isin(has_shape) & ~table["extra_regio"]
    groups = [table["level"], table["year"], table["nace_r2"]]
    table["star_size"] = _top_share_star(table["employment"].where(sectors), is_region, groups)
    table["star_specialisation"] = pd.Series(table["lq"] >= LQ_STAR, dtype="boolean").where(table["lq"].notna(), pd.NA)
    table["star_productivity"] = _top_share_star(table["avg_wage"].where(sectors), is_region, groups)
    for column in STAR_COLUMNS:  # extra-regio is not a region: no stars either way
        table.loc[table["extra_regio"], column] = pd.NA
    # The total counts the stars earned among the dimensions that are known;
    # ``stars_known`` says how many are (0 → no total: unknown is never "no star").
    known = sum(table[c].notna().astype("int8") for c in STAR_COLUMNS)
    stars = sum(table[c].fillna(False).astype("int8") for c in STAR_COLUMNS)
    table["stars_known"] = pd.Series(known, dtype="int8")
    table["stars"] = pd.Series(stars, dtype="float64").where(sectors & ~table["extra_regio"] & (known > 0))
    table["stars_flag"] = _union_flags(table["lq_flag"], table["avg_wage_flag"])
    return table.drop(columns=["region_employment", "region_flag", "ref_share"])
