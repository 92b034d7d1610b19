"""Data files read with limits, and the raw parser streaming (issue 10, point 4).

The parse of a file repeated k times must give exactly k times the rows and the unit
totals of one copy (a hand fact: the repeats are the same contributor-periods), and
files or cells beyond the limits are refused naming the file or tool, not read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mcvalue.data import parse
from mcvalue.errors import DataError

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "raw_parse.csv"


def _repeated(tmp_path: Path, times: int) -> Path:
    header, _, body = FIXTURE.read_bytes().partition(b"\n")
    body = body if body.endswith(b"\n") else body + b"\n"
    path = tmp_path / f"raw_x{times}.csv"
    path.write_bytes(header + b"\n" + body * times)
    return path


def test_repeated_file_parses_to_exact_multiples(tmp_path):
    one_contrib, one_periods = parse.read_raw(_repeated(tmp_path, 1))
    contrib, periods = parse.read_raw(_repeated(tmp_path, 7))
    assert len(one_contrib) > 0 and len(contrib) == 7 * len(one_contrib) and len(periods) == 7 * len(one_periods)
    for column in ("commits", "lines_added", "lines_deleted", "lines"):
        assert contrib[column].sum() == 7 * one_contrib[column].sum()


def test_blank_lines_and_crlf_are_read_like_the_original(tmp_path):
    text = FIXTURE.read_bytes()
    odd = tmp_path / "odd.csv"
    odd.write_bytes(text.replace(b"\n", b"\r\n") + b"\r\n\r\n")
    a, b = parse.read_raw(FIXTURE)[0], parse.read_raw(odd)[0]
    assert a.equals(b)


def test_file_over_the_size_limit_is_refused_naming_it(tmp_path, monkeypatch):
    monkeypatch.setattr(parse, "MAX_DATA_BYTES", FIXTURE.stat().st_size - 1)
    with pytest.raises(DataError, match=rf"^{FIXTURE.name}: \d+ MiB, larger than the 0 MiB a data file may be$"):
        parse.read_raw(FIXTURE)


def test_cell_over_the_length_limit_is_refused_naming_the_tool(tmp_path, monkeypatch):
    import csv

    limit = csv.field_size_limit()
    monkeypatch.setattr(parse, "MAX_CELL_CHARS", 100)
    with pytest.raises(DataError, match=r"^raw_parse\.csv: cannot read as CSV \(field larger than field limit \(101\)\)$"):
        parse.read_raw(FIXTURE)
    assert csv.field_size_limit() == limit  # the process-wide limit is restored


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"^empty\.csv: empty file, not a CSV"),
        (b"repo,repo_url\nx,y\n", r"^empty\.csv: missing column\(s\) contrib_info$"),
        (b"repo,repo_url,contrib_info\n\xff\xfe,x,y\n", r"^empty\.csv: cannot read as CSV"),
    ],
    ids=["empty", "missing-column", "not-utf8"],
)
def test_unreadable_raw_files_are_one_data_error(tmp_path, content, message):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        parse.read_raw(path)


def test_a_directory_is_one_data_error(tmp_path):
    with pytest.raises(DataError, match=r"cannot read"):
        parse.read_raw(tmp_path)
