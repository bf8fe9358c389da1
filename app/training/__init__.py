"""Training and certificates."""
