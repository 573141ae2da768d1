"""Layer package: api (see docs/explanation/architecture.md)."""
