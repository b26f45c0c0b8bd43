"""Calendar quarters as the review uses them: "2026Q3" -> 2026-07-01 .. 2026-09-30."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_PATTERN = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    q: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """Parse "2026Q3" (or "2026-Q3"); a clear ValidationError otherwise."""
        match = _PATTERN.match((text or "").strip())
        if not match:
            raise ValidationError({"quarter": _("Quarter must look like 2026Q3, got %(text)r.") % {"text": text}})
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.q - 2, 1)

    @property
    def end(self) -> dt.date:
        """The last day of the quarter (inclusive)."""
        return self.next().start - dt.timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + (self.q == 4), 1 if self.q == 4 else self.q + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.q == 1), 4 if self.q == 1 else self.q - 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.q}"
