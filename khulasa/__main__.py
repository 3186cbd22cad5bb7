"""``python -m khulasa``: the command line."""

from khulasa.cli import main

main()
