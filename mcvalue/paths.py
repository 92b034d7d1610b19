"""Where mcvalue keeps downloaded data and fitted posteriors."""

import os
from pathlib import Path

import platformdirs


def cache_dir() -> Path:
    """The cache root: ``$MCVALUE_CACHE_DIR`` if set, else the user cache directory."""
    override = os.environ.get("MCVALUE_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("mcvalue"))
