"""Vårdkoll: see and steer access to care across a Swedish region.

The package is layered; imports only go downward (see docs/explanation/architecture.md):
domain → ingest, store → analytics, planning, synth → services → http, web, api, cli.
"""

__version__ = "0.1.0"
