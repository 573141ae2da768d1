"""Services: access."""
