"""Funds, courses and seat quotas."""
