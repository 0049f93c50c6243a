"""Backup and restore of the database (and the photo store)."""
