"""Services: followup."""
