"""``python -m vardkoll`` runs the CLI."""

from vardkoll.cli.main import main

main()
