"""Supervisors' reports: the dashboard, plan targets, the work summary and exports (DESIGN §2 reports/)."""
