"""The review PDF embeds one font (IPAexGothic): every character the Japanese UI can put in the
PDF must be in it, or it prints as an empty box (xhtml2pdf only warns)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from reportlab.pdfbase.ttfonts import TTFont

from kpis import charts


def test_every_character_of_the_japanese_catalogue_is_in_the_pdf_font():
    drawable = TTFont("review", str(charts.FONT_PATH)).face.charToGlyph
    catalogue = Path(settings.BASE_DIR, "locale", "ja", "LC_MESSAGES", "django.po").read_text(encoding="utf-8")
    missing = sorted({ch for ch in catalogue if ord(ch) > 127 and ord(ch) not in drawable})
    assert missing == [], [f"{ch} U+{ord(ch):04X}" for ch in missing]
