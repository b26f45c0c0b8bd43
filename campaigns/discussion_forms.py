"""Forms of a request's discussion (the page; the API uses serializers)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import COMMENT_MAX


class CommentForm(forms.Form):
    # The service checks the length too (and says how long the text is); the browser stops at
    # the limit only as a hint, so no maxlength attribute hides the error.
    body = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 4, "data-mentions": "1"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Filled in per form, in the reader's language: "%" on a lazy text at import time
        # froze it in the default language (an English page showed it in Japanese).
        self.fields["body"].help_text = _(
            "Markdown. Type @ to mention someone who can see this request. At most %(max)s characters."
        ) % {"max": COMMENT_MAX}


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("Briefs and assets: PDF, images, Word, Excel or PowerPoint, at most 10 MB."),
    )
