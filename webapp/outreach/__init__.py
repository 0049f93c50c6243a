"""Outreach (宣传教育): volunteers' events, their on-site complaints, the roster, and the totals."""
