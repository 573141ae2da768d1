"""Command-line interface (Typer + Rich). The root only assembles the command modules."""
