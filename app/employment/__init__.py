"""Employment centre: employers and their openings."""
