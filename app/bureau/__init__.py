"""Bureau staff: their facility's job seekers, surveys and self-tests."""
