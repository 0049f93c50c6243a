"""Field inspections (监督检查): checklists, findings, samples, rectification orders, offline-first."""
