"""Services: reports."""
