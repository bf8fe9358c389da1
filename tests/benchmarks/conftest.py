"""Benchmarks share the synthetic fair generator that sits beside them."""

import sys
from pathlib import Path

# bench_*.py import `synthetic` whether or not this folder is a package.
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))
