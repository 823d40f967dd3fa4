"""Entry point of the benchmark suite: ``python -m benchmarks`` or ``python benchmarks/run.py``.

Example:
    $ POLYKERAS_DATASETS=../shared/datasets python benchmarks/run.py --backends numpy,torch
    $ python benchmarks/run.py --smoke --out /tmp/bench
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks (see ``--help``); returns the exit status."""
    from benchmarks.driver import main as drive

    return drive(argv)


if __name__ == "__main__":
    # Run as a file, Python puts benchmarks/ itself first on sys.path; the package root
    # is what it needs instead.
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or os.getcwd()) == here:
        sys.path[0] = os.path.dirname(here)
    sys.exit(main())
