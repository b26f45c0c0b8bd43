"""The shared upload check (campaigns.uploads): type by extension AND first bytes, size, empty files."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns.uploads import OFFICE_TYPES, download_response, safe_name, validate_upload

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_a_real_png_passes_and_the_position_is_rewound():
    f = SimpleUploadedFile("chart.PNG", PNG, "image/png")
    assert validate_upload(f) == "image/png"
    assert f.read(4) == PNG[:4]


@pytest.mark.parametrize(
    "name, content, kwargs, message_part",
    [
        ("page.html", b"<html>", {}, "html"),  # extension not allowed
        ("fake.png", b"<script>alert(1)</script>", {}, "match"),  # renamed: first bytes differ
        ("empty.pdf", b"", {}, "empty"),
        ("big.pdf", b"%PDF-" + b"0" * 2000, {"max_bytes": 1000}, "large"),
        ("deck.pptx", b"%PDF-1.4", {"allowed": OFFICE_TYPES}, "match"),
    ],
)
def test_bad_uploads_are_field_errors(name, content, kwargs, message_part, settings):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        validate_upload(SimpleUploadedFile(name, content), **kwargs)
    assert "file" in exc.value.message_dict
    text = " ".join(exc.value.message_dict["file"]).lower()
    assert message_part in text or (message_part == "html" and "not allowed" in text)


def test_safe_name_drops_folders_and_keeps_the_extension():
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\Users\\x\\report.pdf") == "report.pdf"
    long = safe_name("a" * 300 + ".pdf")
    assert len(long) == 200 and long.endswith(".pdf")


def test_download_response_cannot_run_as_a_page(tmp_path, db):
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF-1.4")
    response = download_response(path.open("rb"), content_type="application/pdf", filename="x.pdf")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Disposition"].startswith("attachment")
    response.close()
