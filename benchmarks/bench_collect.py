"""How fast ``mcvalue data collect`` reads a large repository.

Builds a synthetic repository with ``git fast-import`` (default 50,000 commits over six
years by 200 authors, one merge every 100 commits, each commit rewriting one of 2,000
small files), then collects five random two-week windows from it with the paper's
``history`` design, several times with different seeds, and prints seconds per
repository, repositories per minute, and how the time splits between listing the
history and reading the windows' diffs.

    python benchmarks/bench_collect.py [--commits 50000] [--runs 3] [--keep DIR]
"""

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from mcvalue.data import gitlog
from mcvalue.data.collect import collect
from mcvalue.data.repos import repo_spec
from mcvalue.data.windows import Design

_START = 1451606400  # 2016-01-01T00:00:00Z
_SPAN = 6 * 365 * 86400


def _data(text: str) -> bytes:
    raw = text.encode()
    return b"data %d\n" % len(raw) + raw + b"\n"


def fast_import_stream(commits: int, authors: int = 200, files: int = 2000, merge_every: int = 100) -> bytes:
    """Write a ``git fast-import`` stream: a linear history with periodic merges of a side commit.

    Commit ``i`` rewrites file ``i % files`` (in one of 50 directories, so trees stay
    small and the build fast) with ``1 + i % 9`` lines; every
    ``merge_every``-th commit is a merge whose second parent is a one-file side commit.
    """
    chunks = []
    step = _SPAN // commits
    for i in range(commits):
        when = _START + i * step
        number = i % authors
        email = f"{number}+dev{number}@users.noreply.github.com" if number % 2 else f"dev{number}@example.com"
        author = f"Dev {number} <{email}> {when} +0000"
        if i and i % merge_every == 0:
            chunks.append(b"commit refs/heads/side\nmark :%d\n" % (commits + i))
            chunks.append(f"author {author}\ncommitter {author}\n".encode() + _data(f"side {i}"))
            chunks.append(b"from :%d\n" % i)
            chunks.append(b"M 100644 inline side.txt\n" + _data(f"side {i}\n"))
        chunks.append(b"commit refs/heads/main\nmark :%d\n" % (i + 1))
        chunks.append(f"author {author}\ncommitter {author}\n".encode() + _data(f"change {i}"))
        if i:
            chunks.append(b"from :%d\n" % i)
        if i and i % merge_every == 0:
            chunks.append(b"merge :%d\n" % (commits + i))
        content = "".join(f"line {i} {k}\n" for k in range(1 + i % 9))
        chunks.append(f"M 100644 inline src/d{i % 50}/f{i % files}.txt\n".encode() + _data(content))
    return b"".join(chunks)


def build(path: Path, commits: int) -> None:
    """Create a bare repository at ``path`` whose ``main`` holds the synthetic history."""
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(path)], check=True)
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"], input=fast_import_stream(commits), check=True)


def main() -> None:
    """Build the repository, time the collections, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3, help="collections, each with another seed (other windows)")
    parser.add_argument("--keep", type=Path, help="build the clone here and keep it (default: a temporary directory)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch)
        clones = root / "clones"
        clone = clones / "bench" / "big"
        started = time.perf_counter()
        build(clone, args.commits)
        print(f"built {args.commits} commits with git fast-import in {time.perf_counter() - started:.1f} s")

        head = gitlog.default_head(clone)
        started = time.perf_counter()
        days, _ = gitlog.commit_days(clone, head.commit)
        listing = time.perf_counter() - started
        print(f"history listing (git log --no-merges, no diffs): {len(days)} commits in {listing:.2f} s")

        seconds = []
        for seed in range(1, args.runs + 1):
            started = time.perf_counter()
            manifest = collect([repo_spec("bench/big")], clones, root / f"out-{seed}", Design("history"), seed=seed)
            seconds.append(time.perf_counter() - started)
            read = sum(w["commits"] for w in manifest.repositories[0]["windows"])
            print(f"seed {seed}: 5 windows, {read} commits' diffs read, {seconds[-1]:.2f} s")
    per_repo = sum(seconds) / len(seconds)
    print(f"mean {per_repo:.2f} s per repository ({args.commits} commits): {60 / per_repo:.1f} repositories per minute")


if __name__ == "__main__":
    main()
