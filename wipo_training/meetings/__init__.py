"""Bilateral working groups and their meetings."""
