"""Build small git repositories with known commits for the collect tests.

Every git call here runs with the user's and the system's git configuration switched
off, and every commit gets a fixed author, committer and date, so the repositories (and
their commit ids) are the same on every machine.
"""

import os
import subprocess
from pathlib import Path

#: Environment that keeps a developer's git configuration out of the tests.
ISOLATED_GIT = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
COMMITTER = ("Committer", "committer@example.com")


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run git in ``cwd`` with isolated configuration; return stdout without the trailing newline."""
    full_env = {**os.environ, **ISOLATED_GIT, **(env or {})}
    done = subprocess.run(["git", *args], cwd=cwd, env=full_env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def numbered(prefix: str, count: int) -> str:
    """``count`` lines ``prefix 1`` ... ``prefix count``, newline-terminated."""
    return "".join(f"{prefix} {i}\n" for i in range(1, count + 1))


class Builder:
    """A work-tree repository whose commits have chosen authors, dates and file contents."""

    def __init__(self, path: Path, branch: str = "main"):
        path.mkdir(parents=True)
        git(path, "init", "-q", "-b", branch)
        self.path = path

    def _identity(self, when: str, author: tuple[str, str], committed: str | None) -> dict[str, str]:
        return {
            "GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1], "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_NAME": COMMITTER[0], "GIT_COMMITTER_EMAIL": COMMITTER[1],
            "GIT_COMMITTER_DATE": committed or when,
        }

    def commit(
        self, when: str, author: tuple[str, str], files: dict[str, str | bytes | None], committed: str | None = None
    ) -> str:
        """Write ``files`` (None deletes), commit everything, return the commit id.

        ``when`` is the author date (ISO 8601 with offset); the committer date is
        ``committed`` if given, else the same.
        """
        for name, content in files.items():
            target = self.path / name
            if content is None:
                target.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content if isinstance(content, bytes) else content.encode())
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "--allow-empty", "-m", f"change at {when}",
            env=self._identity(when, author, committed))
        return self.head()

    def merge(self, branch: str, when: str, author: tuple[str, str]) -> str:
        """Merge ``branch`` into the current branch with a merge commit; return its id."""
        identity = self._identity(when, author, None)
        git(self.path, "merge", "-q", "--no-ff", "-m", f"merge {branch}", branch, env=identity)
        return self.head()

    def checkout(self, branch: str, new: bool = False) -> None:
        """Switch to ``branch`` (creating it from the current commit if ``new``)."""
        git(self.path, "checkout", "-q", *(["-b"] if new else []), branch)

    def head(self) -> str:
        """Return the current commit id."""
        return git(self.path, "rev-parse", "HEAD")


def drawn_from(sample: Path) -> tuple[str, int]:
    """Return (name, size) of the population a collected sample's manifest records: what a run on it must state."""
    from mcvalue.data.manifest import Manifest

    population = Manifest.read(sample / "manifest.json").drawn_from()
    return population["name"], population["size"]


def build_repo(path: Path, commits: list[tuple[str, tuple[str, str], int]]) -> None:
    """Build a repository whose commits each add a new file of ``lines`` lines: (ISO day, (name, email), lines)."""
    repo = Builder(path)
    for number, (day, author, lines) in enumerate(commits):
        repo.commit(f"{day}T10:00:00+00:00", author, {f"f{number}.txt": numbered("x", lines)})
