"""Benchmark: read the import benchmark's classroom sheet in each format, through each reader.

    .venv/bin/python bench/read_formats.py --runs 3

The sheet is ``import_classrooms.write_file``'s (100,000 rows × 15 columns); LibreOffice
(``soffice --headless --convert-to``, Debian's libreoffice-calc-nogui) saves it as .ods, and
as .xls at 65,000 rows (an .xls holds at most 65,536). Each reading is a fresh process (its
``ru_maxrss`` its own) that opens the file and takes every row, as an import does before any
database work:

* ``xlsx/expat``: today's path (``open_sheet``: openpyxl for the structure, worksheets
  streamed through expat);
* ``xlsx/calamine``: python-calamine over the same file, every row converted as
  ``calamine_reader`` converts it (no bounds pass: calamine alone);
* ``ods``, ``xls``: ``open_sheet``, so the bounds pass of ``office_bounds`` and then calamine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

READERS = ("xlsx/expat", "xlsx/calamine", "ods", "xls")


def read(reader: str, path: Path) -> dict[str, Any]:
    """Every row of ``path`` through ``reader``, in this process."""
    from inventory.spreadsheets.columns import CLASSROOMS
    from inventory.spreadsheets.limits import Limits

    started = time.perf_counter()
    rows = 0
    if reader == "xlsx/calamine":
        import python_calamine

        from inventory.spreadsheets.calamine_reader import _cell

        with path.open("rb") as source:
            book = python_calamine.CalamineWorkbook.from_filelike(source)
            sheet = book.get_sheet_by_index(0)
            for values in sheet.iter_rows():
                [_cell(value) for value in values]
                rows += 1
            book.close()
        rows -= 1  # the header
    else:
        from inventory.spreadsheets.reader import open_sheet

        # No time bound (as on the command line): the bench measures, it does not refuse.
        limits = Limits(max_seconds=None)
        with path.open("rb") as source, open_sheet(source, CLASSROOMS, limits) as sheet:
            for _ in sheet.rows():
                rows += 1
    return {
        "reader": reader,
        "rows": rows,
        "seconds": time.perf_counter() - started,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def convert(source: Path, fmt: str, workdir: Path) -> Path:
    """``source`` saved by LibreOffice as ``fmt``."""
    profile = workdir / "lo-profile"
    env = {**os.environ, "HOME": str(workdir)}
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(workdir),
            str(source),
        ],
        check=True,
        capture_output=True,
        env=env,
        timeout=900,
    )
    return source.with_suffix("." + fmt)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, help="reuse (or keep) the files in this directory")
    parser.add_argument("--reader", choices=READERS, help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reader:
        print(json.dumps(read(args.reader, args.file)))
        return
    if shutil.which("soffice") is None:
        raise SystemExit("soffice is needed: apt-get install -y libreoffice-calc-nogui")
    import import_classrooms

    workdir = args.dir or Path(tempfile.mkdtemp(prefix="bench-formats-"))
    workdir.mkdir(exist_ok=True)
    xlsx, small = workdir / "classrooms.xlsx", workdir / "classrooms65k.xlsx"
    if not xlsx.exists():
        import_classrooms.write_file(xlsx, args.rows)
    if not small.exists():
        import_classrooms.write_file(small, min(args.rows, 65_000))
    files = {
        "xlsx/expat": xlsx,
        "xlsx/calamine": xlsx,
        "ods": xlsx.with_suffix(".ods") if xlsx.with_suffix(".ods").exists() else None,
        "xls": small.with_suffix(".xls") if small.with_suffix(".xls").exists() else None,
    }
    for reader, fmt, source in (("ods", "ods", xlsx), ("xls", "xls", small)):
        if files[reader] is None:
            started = time.perf_counter()
            files[reader] = convert(source, fmt, workdir)
            print(f"soffice → {fmt}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    print(f"load average before: {os.getloadavg()}", file=sys.stderr)
    results: dict[str, list[dict[str, Any]]] = {reader: [] for reader in READERS}
    for _ in range(args.runs):
        for reader in READERS:
            path = files[reader]
            assert path is not None
            command = [sys.executable, __file__, "--reader", reader, "--file", str(path)]
            done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
            results[reader].append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"load average after: {os.getloadavg()}", file=sys.stderr)
    print("| reader | file | rows | median s | min s | max s | peak MiB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for reader, runs in results.items():
        path = files[reader]
        assert path is not None
        seconds = [run["seconds"] for run in runs]
        print(
            f"| {reader} | {path.suffix} {path.stat().st_size / 2**20:.1f} MiB | "
            f"{runs[0]['rows']:,} | {statistics.median(seconds):.2f} | {min(seconds):.2f} | "
            f"{max(seconds):.2f} | {max(run['peak_mib'] for run in runs):.0f} |"
        )


if __name__ == "__main__":
    main()
