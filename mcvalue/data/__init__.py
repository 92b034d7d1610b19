"""The paper's GitHub sample: fetching, parsing, auditing and cleaning it."""
