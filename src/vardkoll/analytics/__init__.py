"""Layer package: analytics (see docs/explanation/architecture.md)."""
