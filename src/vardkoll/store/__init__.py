"""Layer package: store (see docs/explanation/architecture.md)."""
