"""Services: operations."""
