"""Targeted referrals."""
