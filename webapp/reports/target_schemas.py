"""Input schema of a plan target (validated through webapp.forms.validate, never the table model).

The schema checks the types only; `webapp.reports.targets` checks the values against the metric catalogue
(ranges, the param, the year, the district, duplicates), because those depend on the metric and the data.
"""
from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, field_validator


class TargetFields(BaseModel):
    """A target as the form sends it: the target is in the form's unit (percent, number, 元, working days)."""

    metric: str
    year: int
    target: int
    param: Optional[int] = None
    district_id: Optional[int] = None
    note: str = ""

    @field_validator("param", "district_id", mode="before")
    @classmethod
    def _blank(cls, value):
        return None if value in ("", None) else value

    @field_validator("target", "param", "year", mode="before")
    @classmethod
    def _digits(cls, value):
        """Accept "1,000" and "1 000" as typed on a phone."""
        if isinstance(value, str):
            return value.replace(",", "").replace("，", "").replace(" ", "")
        return value
