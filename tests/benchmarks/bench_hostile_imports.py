"""Memory and CPU of reading hostile uploads (``make bench``; never part of the default run).

Each hostile file of tests/imports/test_hostile_files.py (a dimension claiming 16,384
columns, one claiming the whole sheet, shared strings unpacking to 100 MB, a zip bomb,
millions of empty cells, a cell of 600,000 characters, a CSV of several MB on one line,
…) is read in a fresh Python process exactly as an upload is (`detect_format`, then
`read_frames` with IMPORT_MAX_ROWS), and so is, as the baseline of the same run, a
legitimate workbook of 20,000 rows x 60 columns written as Excel writes one. For each the
benchmark prints the process's peak RSS (MB), its CPU seconds (user + system, imports
included), what reading added to the RSS the imports had already taken, the message
key, and the ratios to the legitimate file.

Target (issue 14): no hostile file under the upload limit makes a worker exceed 300 MB
RSS or 10 CPU-seconds, and each is refused in under 10 s. Only the RSS bound and the
refusal are asserted; times are printed, never asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.imports.test_hostile_files import (
    HOSTILE,
    legit_workbook,
    number_rows,
    sheet_xml,
    xlsx,
)

ROOT = Path(__file__).resolve().parents[2]
MAX_RSS_MB = 300
TARGET_CPU_SECONDS = 10.0

READ = r"""
import json, resource, sys, time


def peak_mb():
    # VmHWM, not ru_maxrss: Linux carries the parent's peak across fork and exec into
    # ru_maxrss, so a child would report the benchmark's own memory
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


from app import create_app
from app.config import TestingConfig
from app.imports.messages import ImportFileError
from app.imports.reading import detect_format, read_frames
app = create_app(TestingConfig)
path, name = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
before = peak_mb()
wall, cpu = time.perf_counter(), time.process_time()
with app.app_context():
    try:
        frames = read_frames(data, detect_format(data, name), name,
                             max_rows=app.config["IMPORT_MAX_ROWS"])
        outcome = "read " + ", ".join(f"{k or 'csv'} {v.shape[0]}x{v.shape[1]}"
                                      for k, v in frames.items())
    except ImportFileError as error:
        outcome = error.key
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({
    "outcome": outcome, "rss_mb": peak_mb(), "imports_rss_mb": before,
    "cpu": usage.ru_utime + usage.ru_stime, "read_cpu": time.process_time() - cpu,
    "read_wall": time.perf_counter() - wall,
}))
"""


def measure(path: Path, name: str) -> dict:
    done = subprocess.run([sys.executable, "-c", READ, str(path), name], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_hostile_files_stay_under_300_mb(tmp_path):
    files = {"legitimate 20,000 x 60 XLSX": (legit_workbook(20_000, 60), "bureau.xlsx",
                                             None)}
    # the most a file may hold and still be read: 1.5 million cells with a dimension;
    # without one (openpyxl then parses the sheet twice; cells count 1.25 times), as a
    # script writing numbers makes one, 1.2 million
    files["at the limits: 20,000 x 74 numbers"] = (
        xlsx(sheet_xml(number_rows(20_000, 74), "A1:BV20000")), "limits.xlsx", None)
    files["at the limits: 20,000 x 60, no dimension"] = (
        xlsx(sheet_xml(number_rows(20_000, 60))), "unsized.xlsx", None)
    files.update({label: (builder(), name, key)
                  for label, (builder, name, key) in HOSTILE.items()})
    results = {}
    for label, (data, name, key) in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        results[label] = (len(data), key, measure(path, name))

    base = results["legitimate 20,000 x 60 XLSX"][2]
    print()
    print(f"{'file':<42} {'size':>9} {'peak RSS':>9} {'+read':>7} {'CPU s':>6} "
          f"{'read s':>7} {'RSS/legit':>9} {'CPU/legit':>9}  outcome")
    for label, (size, _key, r) in results.items():
        print(f"{label:<42} {size / 1024:>7,.0f}KB {r['rss_mb']:>7.0f}MB "
              f"{r['rss_mb'] - r['imports_rss_mb']:>5.0f}MB {r['cpu']:>6.2f} "
              f"{r['read_wall']:>7.2f} {r['rss_mb'] / base['rss_mb']:>9.2f} "
              f"{r['cpu'] / base['cpu']:>9.2f}  {r['outcome']}")
    print(f"(peak RSS includes the {base['imports_rss_mb']:.0f} MB the worker's imports take; "
          f"+read is what reading the file added; CPU s includes the imports, read s is "
          f"the wall time of the read alone; target {MAX_RSS_MB} MB and "
          f"{TARGET_CPU_SECONDS:.0f} CPU-seconds)")

    assert base["outcome"].startswith("read Sheet1 20001x60")
    refused_wrong = {label: r["outcome"] for label, (_size, key, r) in results.items()
                     if key is not None and r["outcome"] != key}
    too_large = {label: round(r["rss_mb"]) for label, (_size, key, r) in results.items()
                 if key is not None and r["rss_mb"] >= MAX_RSS_MB}
    assert not refused_wrong and not too_large, (refused_wrong, too_large)


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__, "-o", "python_files=bench_*.py", "-s", "-q"])
