"""The only place that knows both the ORM and the matcher."""
