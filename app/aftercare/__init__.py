"""Follow-up after release."""
