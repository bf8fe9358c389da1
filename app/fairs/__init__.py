"""Job fairs: lifecycle, booths and openings, participants and badges."""
