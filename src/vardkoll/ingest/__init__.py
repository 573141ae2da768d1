"""Layer package: ingest (see docs/explanation/architecture.md)."""
