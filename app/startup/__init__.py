"""Start-up guidance."""
