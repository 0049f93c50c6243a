"""Accounts, roles and districts."""
