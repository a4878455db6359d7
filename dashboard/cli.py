"""The ``clustermap`` command: pull, build, serve, export. User errors print one line, no traceback."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from layers._errors import ClusterMapError


def _pull(args: argparse.Namespace) -> None:
    from layers.download import pull_all

    for name, path in pull_all(progress=True).items():
        print(f"{name}: {path}")


def _build(args: argparse.Namespace) -> None:
    from layers.build import build

    print(build(force=args.force, progress=True).summary())
    if args.points:
        from layers.points.build import build_points

        snap = args.snap_km * 1000.0 if args.snap_km is not None else None
        print(build_points(args.points, snap_tolerance_m=snap, progress=True).summary())


def _use_groups(path: str | None) -> None:
    """``--groups FILE``: an observatory's own named sector groups, for this process and the server's workers (``CLUSTERMAP_GROUPS``)."""
    if path is None:
        return
    import os

    from layers.groups.catalogue import GroupCatalogueError

    file = Path(path).expanduser().resolve()
    if not file.is_file():
        raise GroupCatalogueError(f"--groups {path}: no such file; give a TOML catalogue of groups (see layers/groups/emerging_industries.toml)")
    os.environ["CLUSTERMAP_GROUPS"] = str(file)


def _serve(args: argparse.Namespace) -> None:
    from dashboard.server import run

    _use_groups(args.groups)
    if args.dev:
        run.serve_dev(args.host, args.port, debug=args.debug)
    else:
        run.serve(args.host, args.port, workers=args.workers, threads=args.threads)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive whole number")
    return value


def _export(args: argparse.Namespace) -> None:
    from dashboard.export.batch import export_command, portfolio_command

    _use_groups(args.groups)
    if args.portfolios:
        levels = [int(level) for level in args.level or ["2"]]
        years = args.year or [None]
        paths = []
        for level in levels:
            for year in years:
                paths += portfolio_command(Path(args.out), level=level, regions=args.region, year=year, width=args.width, height=args.height, scale=args.scale)
        for path in paths:
            print(path)
        return

    from dashboard.view import parameters_for

    params = {p.name: getattr(args, p.name) for p in parameters_for("cli") if p.name not in LIST_ARGUMENTS and getattr(args, p.name) is not None}
    paths = []
    for region in args.region or [None]:  # several regions: one grid each (region=: a network view marks its opportunities)
        paths += export_command(
            Path(args.out),
            levels=args.level,
            sectors=args.sector,
            indicators=args.indicator,
            years=args.year,
            params={**params, "region": region} if region else params or None,
            width=args.width,
            height=args.height,
            scale=args.scale,
            progress=True,
        )
    for path in paths:
        print(path)


GRID_AXES = ("level", "sector", "indicator", "year")
"""The view parameters ``clustermap export`` takes several values of (every combination is exported)."""
LIST_ARGUMENTS = (*GRID_AXES, "region")
"""Parameters given as lists: the grid's axes, and ``--region`` (with ``--portfolios``: whose charts; else one export per region)."""


def _view_arguments(e: argparse.ArgumentParser) -> None:
    """``--<parameter>`` for each view parameter the CLI uses, from the view vocabulary (``dashboard.view.PARAMETERS``).

    Choices are the fixed vocabulary where there is one; what only the data knows (sectors,
    years, regions) is checked against the loaded data, with the same message as in a URL.
    """
    from dashboard.view import parameters_for

    for p in parameters_for("cli"):
        choices = [str(v) for v in p.allowed] if p.allowed and p.type != ("integer",) else list(p.allowed) or None
        default = "" if callable(p.default) else p.default_value(None)  # type: ignore[arg-type]
        help_text = p.help + (f" (default: {default})" if default not in ("", None) else "")
        if p.name in GRID_AXES:
            help_text += "; several values export every combination"
        if p.name == "region":
            help_text += "; several: one export each; with --portfolios: only these regions' charts"
        long = bool(choices) and len(",".join(map(str, choices or ()))) > 60
        if long:
            help_text += f"; one of: {', '.join(map(str, choices or ()))}"
        e.add_argument(
            f"--{p.name}",
            nargs="+" if p.name in LIST_ARGUMENTS else None,
            type=int if p.type == ("integer",) else str,
            choices=choices,
            metavar=p.name.upper() if not choices or long else None,
            help=help_text.replace("%", "%%"),
        )


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(prog="clustermap", description="Cluster Observatory Map: data pipeline and dashboard.")
    p.add_argument("-v", "--verbose", action="store_true", help="log what each step reads and writes")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("pull", help="download the upstream files into data/ (or copy them from CLUSTERMAP_MIRROR)").set_defaults(func=_pull)
    b = sub.add_parser("build", help="build data/clusters.parquet and the NUTS GeoParquet caches")
    b.add_argument("--force", action="store_true", help="rebuild even if the inputs have not changed")
    b.add_argument("--points", metavar="FILE", help="also read organisation records (CSV or Parquet; see README) and aggregate them per NUTS 2024 region")
    b.add_argument("--snap-km", type=float, help="with --points: move points outside every region to the nearest one within this distance")
    b.set_defaults(func=_build)
    s = sub.add_parser(
        "serve",
        help="start the dashboard on gunicorn (pulls and builds first if needed)",
        description="Runs gunicorn: the caches are built (if missing or stale) before the workers start, and each worker "
        "only reads them. GET /healthz and /readyz report on the process. --dev runs Flask's development server instead.",
    )
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)")
    s.add_argument("--port", type=int, default=8050)
    s.add_argument("--workers", type=_positive, help="worker processes (default: one per core, as many as memory holds)")
    s.add_argument("--threads", type=_positive, help="threads per worker (default 4)")
    s.add_argument("--dev", action="store_true", help="Flask's development server instead of gunicorn (one process; not for production)")
    s.add_argument("--debug", action="store_true", help="with --dev: Dash's debug mode (reloads on code changes, error pages)")
    s.add_argument(
        "--groups",
        metavar="FILE",
        help="an observatory's own named sector groups (TOML, like layers/groups/emerging_industries.toml), usable as sector=<id> beside the shipped ones",
    )
    s.set_defaults(func=_serve)
    e = sub.add_parser(
        "export",
        help="write PNGs of a grid of views: every combination of the levels, sectors, indicators and years given",
        description="Each list defaults to the default view's value, so `--year 2008 2009 …` exports one sector across years "
        "and `--sector C10 C29` one year across sectors. File names come from the view.",
    )
    e.add_argument("--out", required=True, help="folder to write the PNGs into (created if missing)")
    _view_arguments(e)
    e.add_argument("--portfolios", action="store_true", help="instead of maps: each region's portfolio chart (every region of --level, default 2)")
    e.add_argument("--width", type=int, default=1200)
    e.add_argument("--height", type=int, default=800)
    e.add_argument("--scale", type=float, default=1.0)
    e.add_argument(
        "--groups",
        metavar="FILE",
        help="an observatory's own named sector groups (TOML, like layers/groups/emerging_industries.toml), usable as sector=<id> beside the shipped ones",
    )
    e.set_defaults(func=_export)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (2 for a user error)."""
    p = parser()
    args = p.parse_args(argv)
    if args.command == "serve" and args.debug and not args.dev:
        p.error("--debug needs --dev (the development server); gunicorn never runs in debug mode")
    if args.command == "serve" and args.dev and (args.workers or args.threads):
        p.error("--workers and --threads are gunicorn's; the development server (--dev) is one process")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        args.func(args)
    except ClusterMapError as e:
        print(f"clustermap: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # a bug, not a user error: one line, the traceback only when asked for
        if args.verbose:
            raise
        print(f"clustermap: unexpected error ({type(e).__name__}: {e}). Run again with -v for details.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
