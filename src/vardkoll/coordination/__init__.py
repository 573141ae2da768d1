"""Layer package: coordination (see docs/explanation/architecture.md)."""
