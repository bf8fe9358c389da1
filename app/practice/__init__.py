"""Job practice."""
