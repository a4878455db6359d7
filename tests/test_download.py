"""Acquisition: mirror copies, downloads (from a loopback server), pinned hashes, and the message when nothing can be fetched."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from dashboard import cli
from layers import sources
from layers._errors import DownloadError
from layers.download import fetch_source, pull_all
from tests.conftest import cut_mirror


def test_pull_from_mirror_copies_every_file(tmp_path: Path, mirror: Path):
    paths = pull_all(data_dir=tmp_path, mirror=mirror)
    assert set(paths) == {"nuts2013", "nuts2024", "sbs_r_nuts06_r2"}
    for name, path in paths.items():
        original = mirror / sources.SOURCES[name].relpath
        assert path == tmp_path / sources.SOURCES[name].relpath
        assert path.read_bytes() == original.read_bytes()


def test_missing_file_in_mirror_names_file_and_address(tmp_path: Path):
    empty_mirror = tmp_path / "mirror"
    empty_mirror.mkdir()
    with pytest.raises(DownloadError) as err:
        fetch_source("sbs_r_nuts06_r2", data_dir=tmp_path / "data", mirror=empty_mirror)
    message = str(err.value)
    assert "'eurostat/sbs_r_nuts06_r2.tsv.gz' is not in the mirror folder" in message
    assert sources.SOURCES["sbs_r_nuts06_r2"].url in message


def test_pinned_hash_rejects_a_damaged_mirror_copy(tmp_path: Path, mirror: Path):
    damaged = cut_mirror(mirror, tmp_path / "mirror")
    geojson = damaged / "gisco" / "NUTS_RG_20M_2024_4326.geojson"
    geojson.write_bytes(geojson.read_bytes()[:-10] + b"          ")
    with pytest.raises(DownloadError, match=r"does not match its registered sha256"):
        fetch_source("nuts2024", data_dir=tmp_path / "data", mirror=damaged)


@pytest.fixture
def unreachable(monkeypatch):
    """Point every source at a closed loopback port: the 'no network' case, deterministically."""
    for name, source in list(sources.SOURCES.items()):
        monkeypatch.setitem(
            sources.SOURCES,
            name,
            sources.Source(source.name, f"http://127.0.0.1:9/{Path(source.relpath).name}", source.relpath, source.sha256, source.description),
        )


def test_no_network_no_mirror_gives_one_clear_message(tmp_path: Path, monkeypatch, capsys, unreachable):
    monkeypatch.delenv("CLUSTERMAP_MIRROR", raising=False)
    monkeypatch.setenv("CLUSTERMAP_DATA_DIR", str(tmp_path))
    code = cli.main(["pull"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("clustermap: error: Could not download 'gisco/NUTS_RG_20M_2013_4326.geojson' from http://127.0.0.1:9/")
    assert "set CLUSTERMAP_MIRROR" in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_cli_pull_uses_mirror(tmp_path: Path, mirror: Path, monkeypatch, capsys):
    monkeypatch.setenv("CLUSTERMAP_MIRROR", str(mirror))
    monkeypatch.setenv("CLUSTERMAP_DATA_DIR", str(tmp_path))
    assert cli.main(["pull"]) == 0
    out = capsys.readouterr().out
    assert f"sbs_r_nuts06_r2: {tmp_path / 'eurostat' / 'sbs_r_nuts06_r2.tsv.gz'}" in out


def test_a_changed_mirror_file_replaces_the_local_copy(tmp_path: Path, mirror: Path):
    changing = cut_mirror(mirror, tmp_path / "mirror")
    first = fetch_source("sbs_r_nuts06_r2", data_dir=tmp_path / "data", mirror=changing)
    assert first.read_bytes() == (mirror / "eurostat" / "sbs_r_nuts06_r2.tsv.gz").read_bytes()
    (changing / "eurostat" / "sbs_r_nuts06_r2.tsv.gz").write_bytes(b"another version")
    again = fetch_source("sbs_r_nuts06_r2", data_dir=tmp_path / "data", mirror=changing)
    assert again == first and again.read_bytes() == b"another version"
    assert again.stat().st_mode & 0o777 == 0o644


@pytest.fixture
def web(tmp_path: Path, mirror: Path, monkeypatch):
    """The mirror's files served over HTTP on a loopback port, with every source pointing there: (folder served, base URL)."""
    monkeypatch.delenv("CLUSTERMAP_MIRROR", raising=False)  # mirror=None means "the setting's mirror"
    served = cut_mirror(mirror, tmp_path / "served")
    handler = functools.partial(_QuietHandler, directory=str(served))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    for name, source in list(sources.SOURCES.items()):
        monkeypatch.setitem(sources.SOURCES, name, sources.Source(source.name, f"{base}/{source.relpath}", source.relpath, source.sha256, source.description))
    try:
        yield served, base
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # `format`: the base class's name
        pass


def test_download_is_checked_written_0644_and_pulled_again(tmp_path: Path, web):
    served, _ = web
    data_dir = tmp_path / "data"
    paths = pull_all(data_dir=data_dir, mirror=None)
    for name, path in paths.items():
        assert path.read_bytes() == (served / sources.SOURCES[name].relpath).read_bytes()
        assert path.stat().st_mode & 0o777 == 0o644
    sbs = served / "eurostat" / "sbs_r_nuts06_r2.tsv.gz"
    sbs.write_bytes(b"a newer release")
    assert fetch_source("sbs_r_nuts06_r2", data_dir=data_dir, mirror=None).read_bytes() != b"a newer release"  # build: present is enough
    assert pull_all(data_dir=data_dir, mirror=None)["sbs_r_nuts06_r2"].read_bytes() == b"a newer release"  # pull: fetched again
    assert [p for p in data_dir.rglob(".*")] == []


def test_download_with_the_wrong_hash_keeps_the_previous_copy(tmp_path: Path, web):
    served, _ = web
    data_dir = tmp_path / "data"
    good = fetch_source("nuts2024", data_dir=data_dir, mirror=None)
    before = good.read_bytes()
    geojson = served / "gisco" / "NUTS_RG_20M_2024_4326.geojson"
    geojson.write_bytes(geojson.read_bytes()[:-10] + b"          ")
    with pytest.raises(
        DownloadError, match=r"downloaded from http://127\.0\.0\.1:\d+/gisco/NUTS_RG_20M_2024_4326\.geojson does not match its registered sha256"
    ):
        pull_all(data_dir=data_dir, mirror=None)
    assert good.read_bytes() == before
    assert [p for p in data_dir.rglob(".*")] == []
