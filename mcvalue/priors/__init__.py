"""Prior files: distributions, validation, and the resolved scenario they describe."""
