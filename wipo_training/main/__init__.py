"""The dashboard: who you are and what you can do next."""
