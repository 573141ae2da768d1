"""Services: imports."""
