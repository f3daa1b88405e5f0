"""Certificates, PDF rendering, verification, batches."""
