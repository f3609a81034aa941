"""``python -m registry``: the same as the ``registry`` command."""

from registry.cli import main

main()
