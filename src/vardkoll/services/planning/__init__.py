"""Services: planning."""
