"""An independent reading of the raw Eurostat file, for tests: the facts the server's numbers must match.

Expected values come from the mirror's ``sbs_r_nuts06_r2.tsv.gz`` through a parser of
this file's own (gzip + csv, the cell format of the mirror's README), and the derived
indicators are recomputed here from ``docs/methodology.md``: region totals (4.1), share,
average wage, location quotient (4.2, 4.3) and stars (5). Nothing from ``layers`` or
``dashboard`` is imported, so a wrong number in the server fails the tests that use it.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
from dataclasses import dataclass
from pathlib import Path

BASE = {"V16110": "employment", "V11210": "local_units", "V13320": "wages"}
"""The indic_sb codes the indicators are made of (methodology, section 1)."""
FLAG_WORDS = {
    "b": "break in time series",
    "c": "confidential",
    "d": "definition differs",
    "e": "estimated",
    "i": "see metadata",
    "p": "provisional",
    "r": "revised",
    "u": "low reliability",
}
"""The flag letters of the mirror's README (``/work/shared/data/README.md``)."""
TOTAL = "TOTAL"
LQ_STAR = 2.0
NAN = math.nan


@dataclass(frozen=True)
class Cell:
    value: float  # NaN for ':'
    flag: str  # sorted letters, "" for none


EMPTY = Cell(NAN, "")


def parse_cell(text: str) -> Cell:
    """``"1234 "`` → 1234; ``"12 ep"`` → 12 with flags e, p; ``": c"`` → NaN, confidential; ``":"`` → NaN."""
    number, _, flags = text.strip().partition(" ")
    letters = "".join(sorted(flags.replace(" ", "")))
    assert letters.isalpha() or letters == "", text
    return Cell(NAN if number == ":" else float(number), letters)


def is_extra_regio(geo: str) -> bool:
    return len(geo) > 2 and geo.endswith("Z")


def union(*flags: str) -> str:
    return "".join(sorted(set("".join(flags))))


def finite(x: float) -> bool:
    return not math.isnan(x)


def earned_words(size: bool | None, specialisation: bool | None, productivity: bool | None) -> str:
    """The stars earned in words: "stars: size, productivity" (unknown counts as not earned), "stars: none"."""
    names = [name for name, has in (("size", size), ("specialisation", specialisation), ("productivity", productivity)) if has]
    return "stars: " + (", ".join(names) if names else "none")


class RawSbs:
    """The raw file's cells for the three base indicators, and the NUTS 2013 shapes' ids."""

    def __init__(self, sbs: Path, nuts_2013: Path) -> None:
        self.earned: dict[tuple[int, str, int, str], str] = {}
        """(level, nace, year, geo) → the stars earned in words, as the tooltip says them (filled by :meth:`stars`)."""
        self.cells: dict[tuple[str, str, str, int], Cell] = {}
        self._totals: dict[tuple[str, str, int], tuple[Cell, list[str]]] = {}
        with gzip.open(sbs, "rt", encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
            header = next(reader)
            assert header[0] == "nace_r2,indic_sb,geo\\time", header[0]
            years = [int(h) for h in header[1:]]
            codes = set()
            for row in reader:
                nace, indic, geo = row[0].split(",")
                codes.add(nace)
                if indic in BASE:
                    for year, text in zip(years, row[1:], strict=True):
                        self.cells[BASE[indic], nace, geo, year] = parse_cell(text)
        self.sections = sorted(c for c in codes if len(c) == 1)  # NACE sections: one letter
        features = json.loads(nuts_2013.read_text(encoding="utf-8"))["features"]
        self.shapes = {level: {f["properties"]["NUTS_ID"] for f in features if f["properties"]["LEVL_CODE"] == level} for level in (0, 1, 2)}

    def has_row(self, nace: str, geo: str, year: int) -> bool:
        """Whether the file has a line (even of ``:``) for this NACE code and region."""
        return any((n, nace, geo, year) in self.cells for n in BASE.values())

    def cell(self, name: str, nace: str, geo: str, year: int) -> Cell:
        return self.cells.get((name, nace, geo, year), EMPTY)

    # -- 4.1 region totals: the sum of the sections that have a value
    def total(self, name: str, geo: str, year: int) -> tuple[Cell, list[str]]:
        key = (name, geo, year)
        if key not in self._totals:
            self._totals[key] = self._total(name, geo, year)
        return self._totals[key]

    def _total(self, name: str, geo: str, year: int) -> tuple[Cell, list[str]]:
        """The TOTAL cell of ``name`` and the sections without a value in it.

        A region with no section row at all in the file has no TOTAL row: no missing
        sections to name.
        """
        cells = {s: self.cell(name, s, geo, year) for s in self.sections}
        known = [c.value for c in cells.values() if finite(c.value)]
        has_row = any(self.has_row(s, geo, year) for s in self.sections)
        missing = [s for s, c in cells.items() if not finite(c.value)] if has_row else []
        return Cell(sum(known) if known else NAN, union(*(c.flag for c in cells.values()))), missing

    def base(self, name: str, nace: str, geo: str, year: int) -> Cell:
        return self.total(name, geo, year)[0] if nace == TOTAL else self.cell(name, nace, geo, year)

    # -- 4.2 per-row indicators
    def avg_wage(self, nace: str, geo: str, year: int) -> Cell:
        wages, employment = self.base("wages", nace, geo, year), self.base("employment", nace, geo, year)
        ok = finite(wages.value) and finite(employment.value) and employment.value > 0
        return Cell(wages.value * 1e6 / employment.value if ok else NAN, union(wages.flag, employment.flag))

    def share(self, nace: str, geo: str, year: int) -> Cell:
        employment = self.cell("employment", nace, geo, year)
        region = self.total("employment", geo, year)[0].value
        ok = finite(employment.value) and finite(region) and region > 0
        return Cell(employment.value / region * 100 if ok else NAN, employment.flag)

    # -- 4.3 location quotient, reference = the level's shaped, not extra-regio codes with E and R > 0
    def reference(self, level: int) -> list[str]:
        return sorted(g for g in self.shapes[level] if not is_extra_regio(g))

    def ref_share(self, level: int, nace: str, year: int) -> float:
        e = r = 0.0
        for geo in self.reference(level):
            employment = self.cell("employment", nace, geo, year).value
            region = self.total("employment", geo, year)[0].value
            if finite(employment) and finite(region) and region > 0:
                e, r = e + employment, r + region
        return e / r if r > 0 else NAN

    def lq(self, level: int, nace: str, geo: str, year: int, ref: float) -> Cell:
        share = self.share(nace, geo, year)
        if nace == TOTAL or is_extra_regio(geo) or not finite(share.value) or not finite(ref):
            return Cell(NAN, share.flag)
        return Cell(share.value / 100 / ref, share.flag)

    # -- 5 stars: size and productivity from the top 10 % of the reference, specialisation LQ >= 2
    def top_star(self, values: dict[str, float], level: int) -> dict[str, bool | None]:
        reference = [values[g] for g in self.reference(level) if g in values and finite(values[g])]
        if not reference:
            return {g: None for g in values}
        cut = sorted(reference, reverse=True)[max(1, len(reference) // 10) - 1]
        return {g: None if not finite(v) else bool(v >= cut and v > 0) for g, v in values.items()}

    def stars(self, level: int, nace: str, year: int, ids: list[str]) -> dict[str, tuple[Cell, int]]:
        """Per region: (stars among the known dimensions, NaN if none; flag) and how many are known."""
        geos = sorted(set(ids) | set(self.reference(level)))
        ref = self.ref_share(level, nace, year)
        size = self.top_star({g: self.cell("employment", nace, g, year).value for g in geos}, level)
        productivity = self.top_star({g: self.avg_wage(nace, g, year).value for g in geos}, level)
        out = {}
        for geo in ids:
            lq = self.lq(level, nace, geo, year, ref).value
            known = [s for s in (size[geo], None if not finite(lq) else lq >= LQ_STAR, productivity[geo]) if s is not None]
            flag = union(self.cell("employment", nace, geo, year).flag, self.avg_wage(nace, geo, year).flag)
            out[geo] = (Cell(float(sum(known)) if known else NAN, flag), len(known))
            self.earned[(level, nace, year, geo)] = earned_words(size[geo], None if not finite(lq) else lq >= LQ_STAR, productivity[geo])
        return out


def portfolio(raw: RawSbs, geo: str, year: int) -> list[dict]:
    """Every sector line of ``geo`` in ``year``, strongest first: stars, then LQ (both descending, missing last), then code."""
    level = len(geo) - 2
    codes = sorted({nace for (_, nace, g, y) in raw.cells if g == geo and y == year})
    ref = {c: raw.ref_share(level, c, year) for c in codes}
    rows = []
    for code in codes:
        stars, known = raw.stars(level, code, year, [geo])[geo]
        rows.append(
            {
                "nace_r2": code,
                "stars": stars.value,
                "stars_known": known,
                "lq": raw.lq(level, code, geo, year, ref[code]).value,
                "employment": raw.cell("employment", code, geo, year).value,
                "avg_wage": raw.avg_wage(code, geo, year).value,
                "employment_share": raw.share(code, geo, year).value,
            }
        )

    def strength(row: dict) -> tuple:
        return (
            not finite(row["stars"]),
            -row["stars"] if finite(row["stars"]) else 0,
            not finite(row["lq"]),
            -row["lq"] if finite(row["lq"]) else 0,
            row["nace_r2"],
        )

    return sorted(rows, key=strength)


SHOWN_DECIMALS = {"employment": 0, "local_units": 0, "wages": 1, "avg_wage": 0, "employment_share": 2, "lq": 2, "stars": 0}
"""Decimals each indicator is shown with (the README's units: persons, units, million EUR to 0.1, EUR, % to 0.01, ratio to 0.01)."""


@dataclass(frozen=True)
class Expected:
    nuts_id: str
    value: float
    flag: str
    status: str
    flag_text: str
    rank: int | None


def words(flag: str) -> str:
    return ", ".join(FLAG_WORDS[letter] for letter in flag)


def notes(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def expected_view(raw: RawSbs, ids: list[str], *, level: int, sector: str, indicator: str, year: int) -> list[Expected]:
    """What the view must show for ``ids``, from the raw file and the methodology alone."""
    ref = raw.ref_share(level, sector, year) if indicator == "lq" else NAN
    stars = raw.stars(level, sector, year, ids) if indicator == "stars" else {}
    rows = []
    for geo in ids:
        missing_employment = raw.total("employment", geo, year)[1]
        row = sector == TOTAL or raw.has_row(sector, geo, year)  # a region without the sector's line has no note
        upper_bound = "upper bound: region total lacks " + ",".join(missing_employment) if missing_employment and row else ""
        note = ""
        if indicator in ("employment", "local_units", "wages"):
            cell = raw.base(indicator, sector, geo, year)
            if sector == TOTAL:
                lacking = raw.total(indicator, geo, year)[1]
                if indicator == "employment" and lacking:
                    note = "partial total: lacks " + ",".join(lacking)
                elif lacking:
                    note = "partial total: some sections have no value"
        elif indicator == "avg_wage":
            cell = raw.avg_wage(sector, geo, year)
            if sector == TOTAL and (raw.total("wages", geo, year)[1] or missing_employment):
                note = "partial total: some sections have no value"
        elif indicator == "employment_share":
            assert sector != TOTAL
            cell, note = raw.share(sector, geo, year), upper_bound
        elif indicator == "lq":
            cell, note = raw.lq(level, sector, geo, year, ref), upper_bound
        elif indicator == "stars":
            cell, known = stars[geo]
            earned = raw.earned[(level, sector, year, geo)] if finite(cell.value) else ""
            note = notes(earned, upper_bound, f"at least: {known} of 3 star dimensions known" if 0 < known < 3 else "")
        else:
            raise AssertionError(f"no independent recipe for {indicator}")
        status = "value" if finite(cell.value) else "confidential" if "c" in cell.flag else "no data"
        rows.append((geo, cell, status, notes(words(cell.flag), note)))
    # ranks on the value as shown (docs/methodology.md, "Ranks"): at the indicator's decimals, half to even
    digits = SHOWN_DECIMALS[indicator]
    values = [round(c.value, digits) for _, c, _, _ in rows if finite(c.value)]
    return [
        Expected(geo, cell.value, cell.flag, status, text, 1 + sum(v > round(cell.value, digits) for v in values) if finite(cell.value) else None)
        for geo, cell, status, text in rows
    ]


def assert_same(got: list[dict], expected: list[Expected], what: str) -> None:
    """``got`` (API or CSV rows: nuts_id, value or None, flag, status, flag_text, rank) is ``expected``, region by region."""
    assert [r["nuts_id"] for r in got] == [e.nuts_id for e in expected], what
    bad = []
    for r, e in zip(got, expected):
        value_ok = r["value"] is None if not finite(e.value) else r["value"] is not None and math.isclose(r["value"], e.value, rel_tol=1e-12)
        if not (value_ok and r["flag"] == e.flag and r["status"] == e.status and r["flag_text"] == e.flag_text and r["rank"] == e.rank):
            bad.append((e.nuts_id, {k: r[k] for k in ("value", "flag", "status", "flag_text", "rank")}, e))
    assert not bad, f"{what}: {len(bad)} of {len(expected)} regions differ from the raw file, e.g. {bad[:3]}"


# -- sector groups (docs/methodology.md §11): sums over the members, then the single-code rules
class RawGroup:
    """A group of NACE codes read from the raw file: each member's cells summed where known, never filled in."""

    def __init__(self, raw: RawSbs, members: list[str]) -> None:
        self.raw, self.members = raw, list(members)
        self.earned: dict[str, str] = {}
        """geo → the stars earned in words (filled by :meth:`stars`)."""

    def has_row(self, geo: str, year: int) -> bool:
        return any(self.raw.has_row(m, geo, year) for m in self.members)

    def cell(self, name: str, geo: str, year: int) -> tuple[Cell, list[str]]:
        """(the sum of the members with a value, flags' union) and the members without a value."""
        cells = [(m, self.raw.cell(name, m, geo, year)) for m in self.members]
        known = [c.value for _, c in cells if finite(c.value)]
        lacking = [m for m, c in cells if not finite(c.value)]
        return Cell(sum(known) if known else NAN, union(*(c.flag for _, c in cells))), lacking

    def avg_wage(self, geo: str, year: int) -> tuple[Cell, list[str]]:
        (wages, w_lacking), (employment, e_lacking) = self.cell("wages", geo, year), self.cell("employment", geo, year)
        ok = finite(wages.value) and finite(employment.value) and employment.value > 0
        lacking = [m for m in self.members if m in set(w_lacking) | set(e_lacking)]
        return Cell(wages.value * 1e6 / employment.value if ok else NAN, union(wages.flag, employment.flag)), lacking

    def share(self, geo: str, year: int) -> Cell:
        employment = self.cell("employment", geo, year)[0]
        region = self.raw.total("employment", geo, year)[0].value
        ok = finite(employment.value) and finite(region) and region > 0
        return Cell(employment.value / region * 100 if ok else NAN, employment.flag)

    def ref_share(self, level: int, year: int) -> float:
        e = r = 0.0
        for geo in self.raw.reference(level):
            employment = self.cell("employment", geo, year)[0].value
            region = self.raw.total("employment", geo, year)[0].value
            if finite(employment) and finite(region) and region > 0:
                e, r = e + employment, r + region
        return e / r if r > 0 else NAN

    def lq(self, level: int, geo: str, year: int, ref: float) -> Cell:
        share = self.share(geo, year)
        if is_extra_regio(geo) or not finite(share.value) or not finite(ref):
            return Cell(NAN, share.flag)
        return Cell(share.value / 100 / ref, share.flag)

    def change(self, name: str, geo: str, year: int) -> tuple[Cell, list[str]]:
        """On the previous year; not compared when either year's sum lacks a member."""
        (now, now_lacking), (before, before_lacking) = self.cell(name, geo, year), self.cell(name, geo, year - 1)
        lacking = [m for m in self.members if m in set(now_lacking) | set(before_lacking)]
        ok = not lacking and finite(now.value) and finite(before.value) and before.value != 0
        return Cell((now.value / before.value - 1) * 100 if ok else NAN, union(now.flag, before.flag)), lacking

    def stars(self, level: int, year: int, ids: list[str]) -> dict[str, tuple[Cell, int, list[str]]]:
        geos = sorted(set(ids) | set(self.raw.reference(level)))
        ref = self.ref_share(level, year)
        size = self.raw.top_star({g: self.cell("employment", g, year)[0].value for g in geos}, level)
        productivity = self.raw.top_star({g: self.avg_wage(g, year)[0].value for g in geos}, level)
        out = {}
        for geo in ids:
            lq = self.lq(level, geo, year, ref).value
            known = [s for s in (size[geo], None if not finite(lq) else lq >= LQ_STAR, productivity[geo]) if s is not None]
            wage, lacking = self.avg_wage(geo, year)
            flag = union(self.cell("employment", geo, year)[0].flag, wage.flag)
            out[geo] = (Cell(float(sum(known)) if known else NAN, flag), len(known), lacking)
            self.earned[geo] = earned_words(size[geo], None if not finite(lq) else lq >= LQ_STAR, productivity[geo])
        return out


def expected_group_view(raw: RawSbs, ids: list[str], *, level: int, members: list[str], indicator: str, year: int) -> list[Expected]:
    """What a group's view must show for ``ids``: sums of the members' raw cells, partial sums said, then the single-code rules."""
    group = RawGroup(raw, members)
    ref = group.ref_share(level, year) if indicator == "lq" else NAN
    stars = group.stars(level, year, ids) if indicator == "stars" else {}
    rows = []
    for geo in ids:
        missing_employment = raw.total("employment", geo, year)[1]
        upper_bound = "upper bound: region total lacks " + ",".join(missing_employment) if missing_employment and group.has_row(geo, year) else ""
        at_least = ""
        if indicator in ("employment", "local_units", "wages"):
            cell, lacking = group.cell(indicator, geo, year)
            partial = "partial sum (lower bound): lacks " + ",".join(lacking) if lacking and finite(cell.value) else ""
            note = partial
        elif indicator.endswith("_change"):
            cell, lacking = group.change(indicator.removesuffix("_change"), geo, year)
            both = finite(group.cell(indicator.removesuffix("_change"), geo, year)[0].value) and finite(
                group.cell(indicator.removesuffix("_change"), geo, year - 1)[0].value
            )
            note = "not compared: partial sum in one of the two years (lacks " + ",".join(lacking) + ")" if lacking and both else ""
        else:
            if indicator == "avg_wage":
                cell, lacking = group.avg_wage(geo, year)
                upper_bound = ""
            elif indicator == "employment_share":
                cell, lacking = group.share(geo, year), group.cell("employment", geo, year)[1]
            elif indicator == "lq":
                cell, lacking = group.lq(level, geo, year, ref), group.cell("employment", geo, year)[1]
            elif indicator == "stars":
                cell, known, lacking = stars[geo]
                at_least = f"at least: {known} of 3 star dimensions known" if 0 < known < 3 else ""
                upper_bound = notes(group.earned[geo] if finite(cell.value) else "", upper_bound)  # the stars earned come first
            else:
                raise AssertionError(f"no independent recipe for a group's {indicator}")
            note = notes(upper_bound, "from a partial sum: lacks " + ",".join(lacking) if lacking and finite(cell.value) else "", at_least)
        status = "value" if finite(cell.value) else "confidential" if "c" in cell.flag else "no data"
        rows.append((geo, cell, status, notes(words(cell.flag), note)))
    digits = SHOWN_DECIMALS.get(indicator, 1)
    values = [round(c.value, digits) for _, c, _, _ in rows if finite(c.value)]
    return [
        Expected(geo, cell.value, cell.flag, status, text, 1 + sum(v > round(cell.value, digits) for v in values) if finite(cell.value) else None)
        for geo, cell, status, text in rows
    ]
