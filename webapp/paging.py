"""One page of a long list, with the numbers a pager needs (the inbox, the merchant registry)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` rows fill; an empty list still has one page."""
    return max(math.ceil(total / per_page), 1)


@dataclass
class Page:
    """A page of rows: which page, of how many rows in all, and the filters that chose them."""

    rows: list
    total: int
    page: int
    per_page: int
    filters: Any

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)
