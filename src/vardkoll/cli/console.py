"""The CLI's shared Rich consoles: output on stdout, problems on stderr."""

from __future__ import annotations

from rich.console import Console

console = Console()
err_console = Console(stderr=True)
