"""Layer package: services (see docs/explanation/architecture.md)."""
