"""Registry of the upstream files: name → official address, mirror path and hash.

The mirror path is the file's place inside a mirror folder (``CLUSTERMAP_MIRROR``)
and inside ``data/``; it keeps the official file name, so a mirror is simply a
folder of downloaded files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

NutsYear = Literal[2013, 2024]
NUTS_YEARS: tuple[NutsYear, ...] = (2013, 2024)

GISCO_BASE = "https://gisco-services.ec.europa.eu/distribution/v2/nuts/geojson"
EUROSTAT_API = "https://ec.europa.eu/eurostat/api/dissemination/sdmx/2.1/data"
"""Eurostat's dissemination API, which replaced the retired bulk-download listing in 2023.
It serves the same TSV with a leading ``freq`` dimension (``geo\\TIME_PERIOD``); the
reader handles both header styles, and the mirror keeps the older bulk copy."""


@dataclass(frozen=True)
class Source:
    """One upstream file.

    ``sha256`` is pinned only where the mirror holds the unmodified official
    bytes; ``None`` means the file is accepted as served (Eurostat regenerates
    bulk files, and the NUTS 2013 mirror copy is a rebuilt one). Pinned or not,
    every copy in the data folder is compared with the mirror's by sha256 and the
    build's fingerprint is its sha256 (``layers._http``, ``layers.build``).
    """

    name: str
    url: str
    relpath: str
    sha256: str | None
    description: str


def _gisco(year: int, sha256: str | None) -> Source:
    file = f"NUTS_RG_20M_{year}_4326.geojson"
    return Source(
        name=f"nuts{year}",
        url=f"{GISCO_BASE}/{file}",
        relpath=f"gisco/{file}",
        sha256=sha256,
        description=f"GISCO NUTS {year} regions, 1:20M, EPSG:4326, levels 0-3",
    )


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        _gisco(2013, None),
        _gisco(2024, "ee140dff5fb87fb2f5674d0934f2aef52463dace82b13a63c15462d15312daec"),
        Source(
            name="sbs_r_nuts06_r2",
            url=f"{EUROSTAT_API}/sbs_r_nuts06_r2?format=TSV&compressed=true",
            relpath="eurostat/sbs_r_nuts06_r2.tsv.gz",
            sha256=None,
            description="Eurostat SBS by NUTS 2 regions and NACE Rev. 2, 2008-2015 (bulk TSV)",
        ),
    )
}

DEFAULT_STATISTICS = "sbs_r_nuts06_r2"
STATISTICS_NUTS_YEAR: dict[str, NutsYear] = {"sbs_r_nuts06_r2": 2013}


def nuts_source(year: int) -> Source:
    """The geometry source for a NUTS version."""
    try:
        return SOURCES[f"nuts{year}"]
    except KeyError:
        msg = f"NUTS year {year} is not available; choose one of {', '.join(map(str, NUTS_YEARS))}"
        raise ValueError(msg) from None
