"""``python -m mcvalue``: the same as the ``mcvalue`` console command."""

from mcvalue.cli import main

main()
