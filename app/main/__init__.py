"""Each role's home page and the health check."""

from app.main.routes import bp

__all__ = ["bp"]
