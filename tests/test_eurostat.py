"""The Eurostat TSV reader on the real mirror file and on damaged copies of it."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from layers._errors import EurostatFormatError
from layers.eurostat import flag_words, read_eurostat_tsv


def cell(table, geo, nace_r2, indicator, year):
    row = table.loc[(table.geo == geo) & (table.nace_r2 == nace_r2) & (table.indicator == indicator) & (table.year == year)]
    assert len(row) == 1, (geo, nace_r2, indicator, year)
    return row.iloc[0]


def test_real_file_shape(sbs):
    # 195,227 data lines x 8 year columns, nothing rejected
    assert sbs.lines_read == 195_228
    assert len(sbs.table) == 195_227 * 8
    assert len(sbs.rejected) == 0
    assert list(sbs.table.columns) == ["geo", "nace_r2", "indicator", "year", "value", "flag"]
    assert set(sbs.table.year) == set(range(2008, 2016))
    assert set(sbs.table.indicator) == {"V11210", "V16110", "V13320", "V91290", "V94310"}


@pytest.mark.parametrize(
    ("key", "year", "value", "flag"),
    [
        # checked by hand against the raw lines of sbs_r_nuts06_r2.tsv.gz
        (("AT", "B", "V11210"), 2015, 708.0, ""),  # line 2: "B,V11210,AT	708 	692 ..."
        (("DE11", "C29", "V16110"), 2014, 158012.0, ""),  # line 57601
        (("DE11", "C29", "V16110"), 2009, 129101.0, "d"),
        (("FR", "C", "V13320"), 2014, 108176.1, "b"),  # line 11270: "108176.1 b"
        (("FR", "C", "V13320"), 2008, np.nan, "u"),  # ": u"
        (("DE25", "B", "V13320"), 2008, np.nan, "cd"),  # line 530: ": cd" confidential stays missing, flags kept
        (("AT", "B", "V91290"), 2015, -1.7, ""),  # negative growth rate, line 1397
        (("AT1", "B", "V91290"), 2015, np.nan, "c"),
        (("DE41", "C", "V16110"), 2008, 35680.0, "i"),
    ],
)
def test_spot_values(sbs, key, year, value, flag):
    row = cell(sbs.table, *key, year)
    if np.isnan(value):
        assert np.isnan(row.value)
    else:
        assert row.value == pytest.approx(value)
    assert row.flag == flag


def test_confidential_is_never_zero(sbs):
    confidential = sbs.table.loc[sbs.table.flag.str.contains("c")]
    assert len(confidential) > 90_000
    assert confidential.value.isna().all()


def test_api_header_style(tmp_path: Path, sbs_path: Path):
    """The dissemination API writes freq first and geo\\TIME_PERIOD; both parse alike."""
    with gzip.open(sbs_path, "rt") as fh:
        lines = [next(fh) for _ in range(4)]
    header = "freq," + lines[0].replace("geo\\time", "geo\\TIME_PERIOD")
    body = ["A," + line for line in lines[1:]]
    path = tmp_path / "api.tsv"
    path.write_text(header + "".join(body))
    api = read_eurostat_tsv(path)
    bulk = read_eurostat_tsv(sbs_path).table.head(3 * 8)
    assert api.table.reset_index(drop=True).equals(bulk.reset_index(drop=True))


def write_lines(tmp_path: Path, sbs_path: Path, edit) -> Path:
    with gzip.open(sbs_path, "rt") as fh:
        lines = [next(fh) for _ in range(6)]
    lines = edit(lines)
    path = tmp_path / "edited.tsv.gz"
    with gzip.open(path, "wt") as fh:
        fh.writelines(lines)
    return path


def test_truncated_gzip(tmp_path: Path, sbs_path: Path):
    path = tmp_path / "sbs_r_nuts06_r2.tsv.gz"
    path.write_bytes(sbs_path.read_bytes()[:100_000])
    with pytest.raises(EurostatFormatError, match=r"sbs_r_nuts06_r2\.tsv\.gz.*truncated or damaged.*Download the file again"):
        read_eurostat_tsv(path)


def test_unknown_header(tmp_path: Path, sbs_path: Path):
    path = write_lines(tmp_path, sbs_path, lambda ls: ["nace_r2,indic_sb,geo\tyears\n", *ls[1:]])
    with pytest.raises(EurostatFormatError, match=r"edited\.tsv\.gz' line 1, field 1: unknown header 'nace_r2,indic_sb,geo'"):
        read_eurostat_tsv(path)


def test_bad_year_column(tmp_path: Path, sbs_path: Path):
    path = write_lines(tmp_path, sbs_path, lambda ls: [ls[0].replace("2013 ", "20x3 "), *ls[1:]])
    with pytest.raises(EurostatFormatError, match=r"line 1, field 4: expected a year column like '2014', found '20x3'"):
        read_eurostat_tsv(path)


def test_non_numeric_value_is_rejected_and_reported(tmp_path: Path, sbs_path: Path):
    path = write_lines(tmp_path, sbs_path, lambda ls: [*ls[:2], ls[2].replace("211 ", "21l ", 1), *ls[3:]])
    result = read_eurostat_tsv(path)
    assert len(result.rejected) == 1
    rejected = result.rejected.iloc[0]
    assert (rejected.line, rejected.field) == (3, "3")
    assert "not a number in year 2014: '21l'" in rejected.reason
    assert len(result.table) == 5 * 8 - 1  # the other cells of the line are kept
    with pytest.raises(EurostatFormatError, match=r"1 rejected rows:\n  line 3, field 3: not a number"):
        read_eurostat_tsv(path, strict=True)


def test_duplicate_key_is_rejected_and_reported(tmp_path: Path, sbs_path: Path):
    path = write_lines(tmp_path, sbs_path, lambda ls: [*ls, ls[2]])
    result = read_eurostat_tsv(path)
    assert result.rejected[["line", "field"]].values.tolist() == [[7, "1"]]
    assert "duplicate key 'B,V11210,AT1', first seen on line 3" in result.rejected.reason.iat[0]
    assert len(result.table) == 5 * 8


def test_wrong_field_count_is_rejected(tmp_path: Path, sbs_path: Path):
    path = write_lines(tmp_path, sbs_path, lambda ls: [*ls[:3], ls[3].rsplit("\t", 1)[0] + "\n", *ls[4:]])
    result = read_eurostat_tsv(path)
    assert result.rejected.line.tolist() == [4]
    assert "expected 9 tab-separated fields, found 8" in result.rejected.reason.iat[0]


def test_flag_words():
    assert flag_words("cd") == "confidential, definition differs"
    assert flag_words("b") == "break in time series"
    assert flag_words("") == ""


def test_year_twice_in_header(tmp_path: Path, sbs_path: Path):
    path = write_lines(tmp_path, sbs_path, lambda ls: [ls[0].replace("2013 ", "2014 "), *ls[1:]])
    with pytest.raises(EurostatFormatError, match=r"line 1, field 4: year 2014 appears twice"):
        read_eurostat_tsv(path)


def test_every_line_rejected_gives_an_empty_table_and_the_reasons(tmp_path: Path, sbs_path: Path):
    path = write_lines(tmp_path, sbs_path, lambda ls: [ls[0], *(line.rstrip("\n") + "\t\n" for line in ls[1:])])
    result = read_eurostat_tsv(path)
    assert len(result.table) == 0
    assert len(result.rejected) == 5  # write_lines keeps the header and 5 lines
    assert result.rejected["reason"].str.contains("tab-separated fields").all()


def test_empty_code_and_infinite_value_are_rejected(tmp_path: Path, sbs_path: Path):
    def edit(lines):
        lines = list(lines)
        key, rest = lines[1].split("\t", 1)
        lines[1] = "B,," + "\t" + rest  # no indicator, no geo
        key, rest = lines[2].split("\t", 1)
        cells = rest.split("\t")
        cells[0] = "inf "
        lines[2] = key + "\t" + "\t".join(cells)
        return lines

    result = read_eurostat_tsv(write_lines(tmp_path, sbs_path, edit))
    reasons = result.rejected.set_index("line")["reason"]
    assert reasons[2] == "empty code for indic_sb, geo"
    assert reasons[3].startswith("not a number in year 2015: 'inf'")
    assert np.isfinite(result.table["value"].dropna()).all()


def test_same_key_once_freq_is_ignored(tmp_path: Path):
    path = tmp_path / "api.tsv"
    path.write_text("freq,nace_r2,indic_sb,geo\\TIME_PERIOD\t2014 \nA,C,V16110,AT11\t10 \nQ,C,V16110,AT11\t12 \n")
    result = read_eurostat_tsv(path)
    assert result.rejected["line"].tolist() == [3]
    assert "duplicate key 'Q,C,V16110,AT11', first seen on line 2" in result.rejected["reason"].iat[0]
    assert result.table["value"].tolist() == [10.0]
