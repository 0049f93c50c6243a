"""The merchant registry."""
