"""Named sector groups from TOML: the shipped ten emerging industries, and one clear line for every mistake in a user's file.

The data's NACE codes are read here from the mirror's raw file (gzip + csv, first
column), not from ``layers``; the expected line of each mistake is the line the test
marks with ``#<`` in the file it writes, not a number the loader computed.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from layers._errors import ClusterMapError
from layers.groups.catalogue import (
    APPROXIMATION_LABEL,
    SHIPPED_CATALOGUE,
    GroupCatalogueError,
    load_catalogue,
    shipped_groups,
)

TEN = (
    "advanced-packaging",
    "biopharmaceuticals",
    "blue-growth",
    "creative-industries",
    "digital-industries",
    "environmental-industries",
    "experience-industries",
    "logistical-services",
    "medical-devices",
    "mobility-technologies",
)
MARK = "#<"


@pytest.fixture(scope="module")
def data_codes(sbs_path: Path) -> frozenset[str]:
    """Every NACE code of the raw statistics file (its first column's first field), TOTAL aside."""
    with gzip.open(sbs_path, "rt", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        assert header[0] == "nace_r2,indic_sb,geo\\time", header[0]
        return frozenset(row[0].split(",")[0] for row in reader)


def nace_sort_key(code: str) -> tuple[str, str]:
    """Section letter, then digits as text (``C`` < ``C10`` < ``C26`` < ``G45`` < ``G451``)."""
    return code[:1], code[1:]


# ---------------------------------------------------------------- the shipped catalogue


def test_shipped_catalogue_loads_against_the_real_data(data_codes):
    assert {"C", "C26", "G451", "J63", "N82", "S95"} <= data_codes and "K" not in data_codes and "A" not in data_codes
    groups = shipped_groups(data_codes)
    assert tuple(g.id for g in groups) == TEN
    for g in groups:
        assert g.kind == "emerging industry" and g.approximation, g.id
        assert g.members and set(g.members) <= data_codes, (g.id, set(g.members) - data_codes)
        assert list(g.members) == sorted(g.members, key=nace_sort_key) and len(set(g.members)) == len(g.members), g.id
        nested = [(a, b) for a in g.members for b in g.members if a != b and a.startswith(b)]
        assert not nested, (g.id, nested)
        assert g.note.startswith(f"Approximation at the data's NACE level: {', '.join(g.members)}. "), g.note
        assert g.note.lower().startswith(APPROXIMATION_LABEL.lower()) and "\n" not in g.note and g.leaves_out in g.note
        assert "European Cluster Observatory" in g.concept and "\n" not in g.concept and "\n" not in g.leaves_out
        assert g.name and g.leaves_out and len(g.concept) > 200, g.id
    by_id = {g.id: g.members for g in groups}
    assert by_id["digital-industries"] == ("C26", "J61", "J62", "J63")  # the issue's own example


def test_shipped_catalogue_is_checked_against_the_codes_given(data_codes):
    """A server whose data lacks a member says which, in which group, on which line of the shipped file."""
    lines = SHIPPED_CATALOGUE.read_text(encoding="utf-8").splitlines()
    header = lines.index('id = "advanced-packaging"')
    members = next(i for i in range(header, len(lines)) if lines[i].startswith("members ="))
    with pytest.raises(GroupCatalogueError) as err:
        shipped_groups(data_codes - {"C22"})
    message = str(err.value)
    assert f"{SHIPPED_CATALOGUE}, line {members + 1}, group 'advanced-packaging'" in message
    assert "'C22'" in message and "/api/v1/meta" in message


def test_a_group_that_approximates_nothing_is_not_labelled_an_approximation(tmp_path, data_codes):
    path = tmp_path / "own.toml"
    path.write_text(group("our-cluster", '["J62", "C26", "M72"]', approximation="false", leaves_out='"Our own choice."'), encoding="utf-8")
    (g,) = load_catalogue(path, known=data_codes)
    assert g.members == ("C26", "J62", "M72") and not g.approximation
    assert g.note == "Group of C26, J62, M72. Our own choice." and APPROXIMATION_LABEL.lower() not in g.note.lower()


# ---------------------------------------------------------------- every mistake: one line, with file, line, group and code


def group(gid: str = "digital", members: str | None = '["C26", "J61"]', *, header: str = "[[group]]", **keys: str | None) -> str:
    """One ``[[group]]`` table as text; a key given None is left out, extra keys are added."""
    fields: dict[str, str | None] = {
        "id": f'"{gid}"',
        "name": '"A group"',
        "kind": '"test"',
        "members": members,
        "concept": '"The concept."',
        "leaves_out": '"Nothing."',
    }
    fields.update(keys)
    return "\n".join([header, *(f"{k} = {v}" for k, v in fields.items() if v is not None)]) + "\n\n"


OK = group("other-group", '["M72"]')
FORTY_FIVE = (
    [f"C{d}" for d in range(10, 34)] + ["G451", "G452", "G453", "G454"] + [f"G46{d}" for d in range(1, 10) if d != 8] + [f"G47{d}" for d in range(1, 10)]
)

# id: (file text, the pieces the message must hold besides the file name and the marked line)
BAD_FILES: dict[str, tuple[str, list[str]]] = {
    "toml syntax": (OK + group(name="Digital  " + MARK), ["TOML syntax error", "Invalid value"]),
    "key given twice": (OK + group(kind='"a"\nkind = "b"  ' + MARK), ["TOML syntax error", "Cannot overwrite a value", "key 'kind' is given twice"]),
    "empty file": ("# nothing yet\n", ["no [[group]] table"]),
    "a table named groups": ("[[groups]]  " + MARK + '\nid = "x"\n', ["'groups'", "did you mean [[group]]"]),
    "group as a single table": (OK.replace("[[group]]", "[group]  " + MARK), ["write [[group]] (two brackets)"]),
    "group is not a table": ("group = [1, 2]  " + MARK + "\n", ["group #1 is not a table"]),
    "missing keys": (OK + group(header="[[group]]  " + MARK, concept=None, leaves_out=None), ["'digital'", "missing concept, leaves_out"]),
    "unknown key": (OK + group(members=None, member='["C26"]  ' + MARK), ["'digital'", "unknown key 'member'", "did you mean 'members'"]),
    "members not a list": (OK + group(members='"C26, J61"  ' + MARK), ["'digital'", "members is text", "list of strings"]),
    "approximation not a bool": (OK + group(approximation='"yes"  ' + MARK), ["'digital'", "approximation is text", "true or false"]),
    "id upper case": (OK + group("Digital", header="[[group]]", id='"Digital"  ' + MARK), ["'Digital'", "lower-case", "'digital'"]),
    "id like a NACE code": (OK + group(id='"C26"  ' + MARK), ["'C26'", "never looks like a NACE code"]),
    "id used twice": (group("digital") + OK + group("digital", '["M72"]', id='"digital"  ' + MARK), ["'digital'", "used by two groups (lines 2 and "]),
    "empty members": (OK + group(members="[]  " + MARK), ["'digital'", "members is empty"]),
    "too many members": (OK + group(members="[" + ", ".join(f'"{c}"' for c in FORTY_FIVE) + "]  " + MARK), ["'digital'", "45 members, more than 40"]),
    "code of the wrong section": (
        OK + group(members='[\n  "C26",\n  "C45",  ' + MARK + "\n]"),
        ["'digital'", "'C45'", "not a NACE Rev. 2 code", "did you mean 'G45'"],
    ),
    "not a code": (OK + group(members='[\n  "C26",\n  "ICT",  ' + MARK + "\n]"), ["'digital'", "'ICT'", "not a NACE Rev. 2 code"]),
    "TOTAL": (OK + group(members='["C26",\n "TOTAL"]  ' + MARK), ["'digital'", "'TOTAL'", "not allowed"]),
    "lower case code": (OK + group(members='["J61",\n  "c26"]  ' + MARK), ["'digital'", "'c26'", "write 'C26'"]),
    "class the data lacks": (
        OK + group(members='[\n  "J61",\n  "C2611",  ' + MARK + "\n]"),
        ["'digital'", "'C2611'", "near codes in the data: C, C26", "/api/v1/meta"],
    ),
    "section the data lacks": (OK + group(members='[\n  "J61",\n  "A01",  ' + MARK + "\n]"), ["'digital'", "'A01'", "no code of section A", "/api/v1/meta"]),
    "member listed twice": (OK + group(members='[\n  "C26",\n  "J61",\n  "C26",  ' + MARK + "\n]"), ["'digital'", "'C26' is listed twice", "keep one"]),
    "member inside another": (
        OK + group(members='[\n  "C",\n  "J61",\n  "C26",  ' + MARK + "\n]"),
        ["'digital'", "'C26' is inside 'C', also listed", "keep one"],
    ),
    "member not a string": (OK + group(members="[26, 61]  " + MARK), ["'digital'", "member 1 (26) is not a string", "in quotes"]),
    "a concept quoting a header": (
        group("first", '["M72"]', concept='"""\n[[group]]\nstill the concept\n"""') + group(members='["C26", "X1"]  ' + MARK),
        ["'digital'", "'X1'"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_every_mistake_is_one_line_naming_file_line_group_and_code(case, tmp_path, data_codes):
    text, pieces = BAD_FILES[case]
    path = tmp_path / "observatory groups.toml"
    path.write_text(text, encoding="utf-8")
    marked = [n for n, line in enumerate(text.splitlines(), start=1) if line.rstrip().endswith(MARK)]
    with pytest.raises(GroupCatalogueError) as err:
        load_catalogue(path, known=data_codes)
    message = str(err.value)
    assert isinstance(err.value, ClusterMapError) and "\n" not in message, message
    assert message.startswith(str(path)), message
    if marked:
        assert f"line {marked[0]}" in message, (marked, message)
    else:
        assert "line " not in message.split(":")[0], message
    for piece in pieces:
        assert piece in message, (piece, message)


def test_a_key_given_twice_at_the_end_of_the_file_is_found_in_the_text(tmp_path, data_codes):
    """tomllib says only "at end of document" when the clash is the file's last value: the line comes from the text."""
    text = (OK + group(leaves_out='"a"\nleaves_out = "b"')).rstrip()
    path = tmp_path / "groups.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GroupCatalogueError) as err:
        load_catalogue(path, known=data_codes)
    last = len(text.splitlines())
    assert str(err.value).startswith(f"{path}, line {last}: TOML syntax error: Cannot overwrite a value (at end of document), key 'leaves_out' is given twice")


def test_a_missing_file_and_a_file_that_is_not_text_are_one_line_too(tmp_path, data_codes):
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(GroupCatalogueError, match=r"nowhere\.toml: cannot read the group catalogue .*--groups"):
        load_catalogue(missing, known=data_codes)
    binary = tmp_path / "latin1.toml"
    binary.write_bytes(group(name='"Caf\xe9"').encode("latin-1"))
    with pytest.raises(GroupCatalogueError, match=r"latin1\.toml: not UTF-8 text .*save the file as UTF-8"):
        load_catalogue(binary, known=data_codes)


# ---------------------------------------------------------------- one group, one spelling


LEAVES = ["B05", "C10", "C26", "D35", "E", "F41", "G451", "G465", "G479", "H", "J61", "J62", "L68", "M72", "N79", "S95"]
"""Codes of the data none of which holds another: any order of any of them is a valid group."""


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(LEAVES), min_size=1, max_size=len(LEAVES), unique=True), st.randoms(use_true_random=False))
def test_any_order_of_the_members_loads_to_one_canonical_spelling(tmp_path_factory, data_codes, codes, random):
    assert set(LEAVES) <= data_codes
    shuffled = list(codes)
    random.shuffle(shuffled)
    path = tmp_path_factory.mktemp("shuffled") / "groups.toml"
    path.write_text(group("shuffled", "[" + ", ".join(f'"{c}"' for c in shuffled) + "]"), encoding="utf-8")
    (g,) = load_catalogue(path, known=data_codes)
    assert g.members == tuple(sorted(codes, key=nace_sort_key))
