"""The top-100 cut: its measurement from git, the fitted relation and the FTE correction, against hand counts."""

import subprocess
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from collect_helpers import ISOLATED_GIT

from mcvalue.costmodels.topcut import (
    MEASURES,
    Relation,
    correction_factors,
    fit_relation,
    kept_shares,
    repo_table,
)
from mcvalue.data.topcut import measure_repository

RESULTS = Path(__file__).resolve().parent.parent / "results" / "topcut"


# --------------------------------------------------------------------------- the correction


def test_correction_factors_match_a_hand_calculation():
    """Two sample repos, the references among them; one draw with chosen kept shares.

    repo a (not cut): 10 contributors, 100 commits, 1000 lines per window; kept 1.
    repo b = pytorch/pytorch: 30, 200, 4000; kept authors 0.5, commits 0.8, lines 0.9.
    tensorflow/tensorflow (not in the sample, reference only): kept 0.4, 0.6, 0.75.
    """
    weights = pd.DataFrame({"contributors": [10.0, 30.0], "commits": [100.0, 200.0], "lines": [1000.0, 4000.0]},
                           index=["a/a", "pytorch/pytorch"])
    repos = ["a/a", "pytorch/pytorch", "tensorflow/tensorflow"]
    kept = np.array([[[1.0, 1.0, 1.0], [0.5, 0.8, 0.9], [0.4, 0.6, 0.75]]])
    methods = [("commits", "pytorch/pytorch"), ("contributors", "pytorch/pytorch"), ("lines", "tensorflow/tensorflow"),
               ("lines", "pytorch/pytorch"), ("commits", "tensorflow/tensorflow")]
    factors = correction_factors(weights, kept, repos, methods)[0]
    commits_sum = (100 + 200 / 0.8) / 300  # 350 / 300
    lines_sum = (1000 + 4000 / 0.9) / 5000
    expected = [
        commits_sum * 0.8 / 0.5,  # reference mean per contributor is the scrape's x 0.5 / 0.8
        (10 + 30 / 0.5) / 40,  # contributors: the sum only
        lines_sum * 0.75 / 0.4,
        lines_sum * 0.9 / 0.5,
        commits_sum * 0.6 / 0.4,
    ]
    np.testing.assert_allclose(factors, expected, rtol=1e-12)


def _relation(beta: list[float], tau: list[float], n: int = 1) -> Relation:
    return Relation(np.tile(beta, (n, 1)), np.tile(tau, (n, 1)), repos=3)


def test_kept_shares_are_one_up_to_the_limit_and_a_power_law_beyond():
    authors = np.array([[50.0, 100.0, 400.0]])
    kept = kept_shares(_relation([0.25, 0.1, 0.05], [0.0, 0.0, 0.0]), authors, np.random.default_rng(0))
    np.testing.assert_allclose(kept[0, :2], 1.0)
    np.testing.assert_allclose(kept[0, 2], [4 ** -0.25, 4 ** -0.1, 4 ** -0.05], rtol=1e-12)


def test_kept_shares_scatter_is_shared_by_the_measures_and_never_above_one():
    """With tau > 0 the slope is beta + tau z, floored at 0 (the cut never adds work); one z for all measures."""
    authors = np.full((20000, 1), 1000.0)
    kept = kept_shares(_relation([0.2, 0.1, 0.05], [0.1, 0.05, 0.025], n=20000), authors, np.random.default_rng(1))
    assert kept.max() <= 1.0
    slopes = -np.log(kept[:, 0, :]) / np.log(10.0)
    inside = slopes[:, 0] > 0  # floored draws aside, the three slopes are one z apart: exactly proportional
    np.testing.assert_allclose(slopes[inside, 1] - 0.1, (slopes[inside, 0] - 0.2) / 2, atol=1e-12)
    # z < -2 floors the authors' slope: P = Phi(-2) = 0.02275; binomial sd over 20,000 draws is 0.00105
    assert abs((slopes[:, 0] == 0).mean() - 0.02275) < 5 * 0.00105


def test_fit_relation_recovers_an_exact_power_law():
    """Repositories whose kept shares are exactly (A/100)**-beta give beta in every replicate and zero spread."""
    beta = {"authors": 0.3, "commits": 0.12, "lines": 0.05}
    rows = []
    for authors in (150, 400, 1200, 90):  # the last is under the cut: left out of the fit
        row = {"repo": f"r/{authors}", "authors_low": authors, "authors_high": authors, "source": "git"}
        for measure, b in beta.items():
            total = 1e6
            row[measure] = total
            row[f"{measure}_kept"] = total * (authors / 100) ** -b if authors > 100 else total
        rows.append(row)
    relation = fit_relation(pd.DataFrame(rows), 50, np.random.default_rng(2))
    assert relation.repos == 3
    np.testing.assert_allclose(relation.beta, np.tile([beta[m] for m in MEASURES], (50, 1)), rtol=1e-10)
    np.testing.assert_allclose(relation.tau, 0.0, atol=1e-10)


def test_packaged_table_agrees_with_the_committed_measurements():
    """mcvalue/data/topcut_repos.csv holds the sums of results/topcut/windows.csv and authors.csv's counts."""
    package = repo_table().set_index("repo")
    windows = pd.read_csv(RESULTS / "windows.csv")
    authors = pd.read_csv(RESULTS / "authors.csv").set_index("repo")
    sums = windows.groupby("repo")[["commits", "commits_kept", "lines", "lines_kept", "authors", "authors_kept"]].sum()
    pd.testing.assert_frame_equal(package.loc[sums.index, sums.columns].astype("int64"), sums, check_names=False)
    assert (package["authors_low"] <= package["authors_high"]).all()
    pd.testing.assert_series_equal(package["authors_low"], authors.loc[package.index, "authors_low"])
    assert set(authors.loc[authors["source"] == "git"].index) <= set(windows["repo"])


@pytest.mark.realdata
def test_every_scraped_repository_has_an_author_count(real_data_dir):
    from mcvalue.data.parse import read_raw

    _, periods = read_raw(real_data_dir / "scraped_contributor_information_for_repos.csv")
    assert set(periods["repo"]) <= set(repo_table()["repo"])


# --------------------------------------------------------------------------- the measurement


def _fast_import(path: Path, commits: list[dict]) -> None:
    """Build a repository with git fast-import from ``commits``: author, email, epoch, tz, files.

    ``files`` maps a path to its content: an int n writes n numbered lines, a str itself.
    """
    env = ISOLATED_GIT | {"PATH": "/usr/bin:/bin"}
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=env)
    chunks = []
    for mark, commit in enumerate(commits, start=1):
        message = f"commit {mark}"
        chunks.append(f"commit refs/heads/main\nmark :{mark}\n")
        chunks.append(f"author {commit['author']} <{commit['email']}> {commit['epoch']} {commit.get('tz', '+0000')}\n")
        chunks.append(f"committer C <c@example.com> {commit['epoch']} +0000\ndata {len(message)}\n{message}\n")
        if mark > 1:
            chunks.append(f"from :{mark - 1}\n")
        for name, content in commit["files"].items():
            text = content if isinstance(content, str) else "".join(f"line {i}\n" for i in range(content))
            chunks.append(f"M 100644 inline {name}\ndata {len(text.encode())}\n{text}\n")
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"], input="".join(chunks).encode(), check=True, env=env)


def _epoch(day: str, hour: int = 12) -> int:
    return int(pd.Timestamp(f"{day} {hour:02d}:00", tz="UTC").timestamp())


def _person(name: str, email: str, epoch: int, files: dict, tz: str = "+0000") -> dict:
    return {"author": name, "email": email, "epoch": epoch, "tz": tz, "files": files}


def test_measure_repository_against_a_hand_count(tmp_path):
    """A repository of 106 authors at the scrape date, counted by hand.

    100 core authors (2 commits each before the window) and 6 drive-by authors; one core
    author also writes under a second address that the .mailmap joins to the first.

    Window 2021-03-01..2021-03-14 (author's local days), hand count:
    - core1, core2, core3: 1 commit each, 10 lines each -> kept;
    - drive1..drive5: 1 commit each, 3 lines each -> cut (1 commit each of all time);
    - drive6: 1 commit in the window (7 lines), then 10 commits after 2022-02-18, which do
      not count for the ranking at the scrape date -> cut;
    - core4 under core4-old@, joined by .mailmap to core4@: 1 commit, 4 lines -> kept;
    - a dependabot[bot] commit: not counted at all;
    - core5 at 2021-03-14 23:30 -08:00 (2021-03-15 UTC): inside by the author's local day, 2 lines -> kept;
    - core6 at 2021-03-15 00:30 +09:00 (2021-03-14 UTC): outside by the author's local day.
    Authors 11 (kept 5); commits 11 (kept 5); lines 3*10 + 5*3 + 7 + 4 + 2 = 58 (kept 36).
    """
    commits = [_person(f"Core {i}", f"core{i}@example.com", _epoch("2020-06-01") + 60 * (2 * i + k), {f"core/{i}-{k}.txt": 1})
               for i in range(100) for k in range(2)]
    commits += [_person(f"Core {i}", f"core{i}@example.com", _epoch("2021-03-02") + i, {f"w/core{i}.txt": 10}) for i in (1, 2, 3)]
    commits += [_person(f"Drive {j}", f"drive{j}@example.com", _epoch("2021-03-05") + j, {f"w/drive{j}.txt": 3}) for j in range(1, 6)]
    commits += [
        _person("Drive 6", "drive6@example.com", _epoch("2021-03-06"), {"w/drive6.txt": 7}),
        _person("Old Core 4", "core4-old@example.com", _epoch("2021-03-07"), {"w/core4.txt": 4}),
        _person("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com", _epoch("2021-03-08"), {"w/bot.txt": 50}),
        _person("Core 5", "core5@example.com", _epoch("2021-03-15", 7) + 1800, {"w/core5.txt": 2}, tz="-0800"),
        _person("Core 6", "core6@example.com", _epoch("2021-03-14", 15) + 1800, {"w/core6.txt": 9}, tz="+0900"),
    ]
    commits += [_person("Drive 6", "drive6@example.com", _epoch("2022-06-01") + k, {f"late/{k}.txt": 1}) for k in range(10)]
    commits.append(_person("Core 0", "core0@example.com", _epoch("2022-07-01"),
                           {".mailmap": "Core 4 <core4@example.com> <core4-old@example.com>\n"}))
    repo = tmp_path / "big"
    _fast_import(repo, commits)
    table, authors = measure_repository(repo, [(date(2021, 3, 1), date(2021, 3, 14))])
    assert authors == 106
    row = table.iloc[0]
    assert (row["authors"], row["authors_kept"]) == (11, 5)
    assert (row["commits"], row["commits_kept"]) == (11, 5)
    assert (row["lines"], row["lines_kept"]) == (58, 36)
    assert row["unread"] == 0


def test_cost_side_correction_leaves_repositories_under_the_cut_alone():
    """A sample of one 18-author repository needs no correction of its own.

    Its contributors method keeps factor exactly 1; the unit methods get only the
    references' factor (above 1); a stock's years get each draw's same factors.
    """
    from mcvalue.costmodels import CostSide, corrected_for_top100
    from mcvalue.data.tables import Sample
    from mcvalue.priors.spec import CleaningOptions

    periods = pd.DataFrame({"repo": ["alibaba/alink"] * 2, "contributors": [2, 4], "commits": [5, 7], "lines": [100, 300]})
    sample = Sample(pd.DataFrame(), periods, "clean", CleaningOptions.for_mode("clean"), {})
    m = 2000
    cost = CostSide("pymc", np.full((m, 5), 10.0), "fit", {}, fte_by_year=np.full((m, 3, 5), 10.0), years=(2019, 2020, 2021))
    corrected = corrected_for_top100(cost, sample)
    np.testing.assert_allclose(corrected.fte[:, 1], 10.0)
    assert (corrected.fte[:, [0, 2, 3, 4]] > 10.0).mean() > 0.95  # PyTorch/TensorFlow keep k_unit/k_authors >= 1
    for year in range(3):
        np.testing.assert_array_equal(corrected.fte_by_year[:, year, :], corrected.fte)
    assert "top100_correction" in corrected.diagnostics and "top-100" in corrected.description


def test_validate_collect_size_summary_groups_windows_by_author_count():
    """Three windows of a 50-author repo (one all-zero), one of a 400-author repo; agreement counted by hand."""
    from script_helpers import load_script

    validate = load_script("validate_collect")
    table = pd.DataFrame({
        "repo": ["s/s", "s/s", "s/s", "b/b"],
        "commits_scrape": [10, 4, 0, 10], "commits_git": [10, 6, 0, 20],
        "contributors_scrape": [2, 1, 0, 3], "contributors_git": [2, 1, 0, 6],
        "lines_scrape": [100, 40, 0, 100], "lines_git": [105, 40, 0, 300],
        "logins_found": [1.0, 1.0, np.nan, 0.5],
    })
    for measure in ("contributors", "commits", "lines"):
        ours, theirs = table[f"{measure}_git"], table[f"{measure}_scrape"]
        table[f"{measure}_exact"] = ours == theirs
        table[f"{measure}_10pct"] = (ours - theirs).abs() <= 0.1 * theirs
    sizes = pd.DataFrame({"repo": ["s/s", "b/b"], "authors_low": [50, 400]})
    result = validate.size_summary(table, sizes)
    assert list(result.index) == ["(0, 100]", "(300, 600]"]
    small = result.loc["(0, 100]"]
    assert (small["repos"], small["windows"]) == (1, 2)  # the all-zero window is left out
    assert small["commits exact"] == pytest.approx(1 / 2) and small["lines 10%"] == pytest.approx(1.0)
    assert small["commits git/scrape"] == pytest.approx(16 / 14)
    assert result.loc["(300, 600]", "contributors 10%"] == 0.0


def test_a_repository_without_an_author_count_is_named():
    from mcvalue.costmodels.topcut import draw_authors
    from mcvalue.errors import DataError

    with pytest.raises(DataError, match="nobody/nothing"):
        draw_authors(repo_table(), ["pytorch/pytorch", "nobody/nothing"], 3, np.random.default_rng(0))


def test_pool_factors_give_the_threshold_curve_the_threshold_methods_factor():
    """Table 1 columns keep their factors; every curve column takes the sixth (threshold) one."""
    import numpy as np

    from mcvalue.costmodels import pool_factors

    factors = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]])
    assert pool_factors(factors, 8).tolist() == [[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 6.0, 6.0]]
    assert pool_factors(factors, 5).tolist() == [[1.0, 2.0, 3.0, 4.0, 5.0]]


def test_a_git_sample_priced_by_the_scrapes_references_corrects_the_references_alone():
    """A collected sample (read from git: no cut) with ``references = "paper"``: only the reference factor applies.

    The sample's repository has no author count (it was never scraped) and needs none; the
    contributors and activity-threshold methods keep factor 1 exactly; the unit methods
    take the references' kept-share ratio, distributed as for a sample under the cut
    (the alink case above; medians within 5%, far above the Monte Carlo error of 4,000 draws).
    """
    from mcvalue.costmodels import CostSide, corrected_for_top100
    from mcvalue.data.tables import Sample
    from mcvalue.priors.spec import CleaningOptions

    m = 4000
    cost = CostSide("bootstrap", np.full((m, 5), 10.0), "fit", {})
    clean = CleaningOptions.for_mode("clean")
    collected = pd.DataFrame({"repo": ["acme/tiny"] * 2, "contributors": [2, 4], "commits": [5, 7], "lines": [100, 300]})
    git = corrected_for_top100(cost, Sample(pd.DataFrame(), collected, "clean", clean, {}), scrape_sample=False)
    np.testing.assert_array_equal(git.fte[:, 1], 10.0)
    assert (git.fte[:, [0, 2, 3, 4]] > 10.0).mean() > 0.95
    assert "reference windows corrected" in git.description
    alink = pd.DataFrame({"repo": ["alibaba/alink"] * 2, "contributors": [2, 4], "commits": [5, 7], "lines": [100, 300]})
    scrape = corrected_for_top100(cost, Sample(pd.DataFrame(), alink, "clean", clean, {}))
    np.testing.assert_allclose(np.median(git.fte, axis=0), np.median(scrape.fte, axis=0), rtol=0.05)
