"""Calendar quarters as the review uses them: "2026Q3" -> 2026-07-01 .. 2026-09-30."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .params import MAX_DATE, MIN_DATE

_PATTERN = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    q: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """Parse "2026Q3" (or "2026-Q3") within the calendar the app computes with (MIN_DATE to
        MAX_DATE: the review looks 8 quarters back and one ahead, so 0000Q1 or 9999Q4 would
        overflow the date maths); a clear ValidationError otherwise."""
        match = _PATTERN.match((text or "").strip()) if isinstance(text, str) and text.isascii() else None
        if not match:
            raise ValidationError(
                {"quarter": _("Quarter must look like 2026Q3, got %(value)s.") % {"value": repr(str(text)[:20])}}
            )
        year = int(match.group(1))
        if not MIN_DATE.year + 2 <= year <= MAX_DATE.year:
            raise ValidationError(
                {
                    "quarter": _("Quarter must be between %(first)s and %(last)s.")
                    % {"first": f"{MIN_DATE.year + 2}Q1", "last": f"{MAX_DATE.year}Q4"}
                }
            )
        return cls(year, int(match.group(2)))

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
