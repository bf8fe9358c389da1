"""The fair-day kiosk: a locked-down touch screen for job seekers."""
