"""How long `qibu --help` takes, against a bare `python -c pass` in the same run (``make bench``).

Each command runs BENCH_STARTUP_RUNS times (7 by default) in a fresh process after one
warm-up (which also writes bytecode, as an installed deployment has it); prints the
median and the fastest of each, the ratio to the bare interpreter, whether scikit-learn
or SciPy were imported while building the app, and PASS/MISS against the 1 s target
(never asserted: the machine may be shared). Also prints how long a worker's full garbage
collection takes after start-up and warm-up, before and after ``gc.freeze()``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNS = int(os.environ.get("BENCH_STARTUP_RUNS", 7))
TARGET_SECONDS = 1.0


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIBU_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a deployment keeps its bytecode
    return env


def _seconds(argv: list[str], env: dict[str, str]) -> list[float]:
    subprocess.run(argv, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
        times.append(time.perf_counter() - start)
    return times


def test_qibu_help_time():
    env = _environment()
    # what the `qibu` script runs, from this tree (the working directory comes first)
    help_argv = [sys.executable, "-c", "from app.cli import main; main()", "--help"]
    bare = _seconds([sys.executable, "-c", "pass"], env)
    web_stack = _seconds([sys.executable, "-c", "import flask, sqlalchemy.orm, pandas"], env)
    help_times = _seconds(help_argv, env)
    probe = subprocess.run(
        [sys.executable, "-c",
         "import sys\nfrom app import create_app\ncreate_app()\n"
         "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy'}))"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=120)

    base = statistics.median(bare)
    print(f"\n[startup] {RUNS} runs each, median (fastest)")
    for label, times in (("python -c pass", bare),
                         ("import flask, sqlalchemy, pandas", web_stack),
                         ("qibu --help", help_times)):
        median = statistics.median(times)
        print(f"  {label:34s} {median * 1000:7.0f} ms ({min(times) * 1000:5.0f})"
              f"  {median / base:6.1f}x bare")
    median = statistics.median(help_times)
    print(f"  heavy libraries imported by create_app(): {probe.stdout.strip()}")
    print(f"  qibu --help target <= {TARGET_SECONDS:.1f} s: "
          f"{'PASS' if median <= TARGET_SECONDS else 'MISS'} ({median:.2f} s)")


GC_PROBE = """
import gc, statistics, time
from app import create_app
from app.serving import freeze_heap, warm_up
app = create_app()
warm_up(app)

def full_collections():
    times = []
    for _ in range(7):
        start = time.perf_counter()
        gc.collect()
        times.append(time.perf_counter() - start)
    return statistics.median(times)

before = full_collections()
frozen = freeze_heap()
after = full_collections()
print(before, after, frozen)
"""


def test_full_collection_before_and_after_freeze(tmp_path):
    env = _environment()
    env.update(QIBU_DATABASE_URL=f"sqlite:///{tmp_path / 'gc.sqlite3'}",
               QIBU_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run([sys.executable, "-c", GC_PROBE], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True, timeout=300)
    before, after, frozen = done.stdout.split()
    before, after = float(before), float(after)
    print(f"\n[gc] a worker's full collection after start-up and warm-up (median of 7): "
          f"{before * 1000:.1f} ms; after gc.freeze() of {int(frozen):,} objects "
          f"(app/serving.py, gunicorn.conf.py): {after * 1e6:.0f} µs "
          f"({before / max(after, 1e-9):.0f}x less)")
