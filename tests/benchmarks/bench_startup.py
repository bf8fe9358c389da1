"""How long `qibu --help` takes, against a bare `python -c pass` in the same run (``make bench``).

Each command runs BENCH_STARTUP_RUNS times (7 by default) in a fresh process after one
warm-up (which also writes bytecode, as an installed deployment has it); prints the
median and the fastest of each, the ratio to the bare interpreter, whether scikit-learn
or SciPy were imported while building the app, and PASS/MISS against the 1 s target
(never asserted: the machine may be shared).
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
