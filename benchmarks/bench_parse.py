"""Benchmark: the raw-scrape parser on the real raw file repeated 15 and 150 times.

Issue 10 found a data audit of a 50 MB raw file (the real one repeated ~150 times) taking
over 5 minutes and 2.7 GB. Target: the parser scales linearly (10 times the file takes at
most ~10 times as long) and its peak memory stays within a few times the file size. Each
size is parsed in a fresh interpreter, so the peak resident set size is that parse's own
(printed beside the interpreter's resident size after the imports, its baseline).

    python benchmarks/bench_parse.py [--data-dir DIR] [--repeats 15 150]

Writes the repeated files into a temporary directory; nothing in the repository changes.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

RAW = "scraped_contributor_information_for_repos.csv"

_MEASURE = """
import json, resource, sys, time
from mcvalue.data.parse import read_raw
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
contributions, periods = read_raw(sys.argv[1])
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": elapsed, "base_mb": base / 1024, "peak_mb": peak / 1024, "rows": len(contributions)}))
"""


def repeated_file(source: Path, times: int, directory: Path) -> Path:
    """Write the raw file's header once and its data rows ``times`` times; return the path."""
    header, _, body = source.read_bytes().partition(b"\n")
    path = directory / f"raw_x{times}.csv"
    with open(path, "wb") as handle:
        handle.write(header + b"\n")
        for _ in range(times):
            handle.write(body if body.endswith(b"\n") else body + b"\n")
    return path


def measure(path: Path) -> dict:
    """Parse ``path`` in a fresh interpreter; return seconds, baseline and peak RSS (MB), rows."""
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"parsing {path} failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


def main() -> None:
    """Print time and peak memory per size, and the ratios the target is about."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("MCVALUE_DATA_DIR", "../shared/data/osml_value")))
    parser.add_argument("--repeats", type=int, nargs="+", default=[15, 150])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for times in args.repeats:
            path = repeated_file(args.data_dir / RAW, times, Path(tmp))
            result = measure(path) | {"times": times, "file_mb": path.stat().st_size / 2**20}
            path.unlink()
            rows.append(result)
            print(f"x{times:<4} {result['file_mb']:7.1f} MB file  {result['rows']:>9,} rows  {result['seconds']:7.2f} s  "
                  f"peak RSS {result['peak_mb']:7.0f} MB (after imports {result['base_mb']:.0f} MB; "
                  f"{(result['peak_mb'] - result['base_mb']) / result['file_mb']:.1f}x the file)")
        if len(rows) >= 2:
            first, last = rows[0], rows[-1]
            print(f"x{last['times']} / x{first['times']}: size {last['file_mb'] / first['file_mb']:.1f}x, "
                  f"time {last['seconds'] / first['seconds']:.1f}x")


if __name__ == "__main__":
    main()
