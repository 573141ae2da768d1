"""Layer package: planning (see docs/explanation/architecture.md)."""
