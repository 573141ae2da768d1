"""Layer package: synth (see docs/explanation/architecture.md)."""
