"""Forms of the working lists: bulk actions, saving and renaming views, the search box."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.bulk import BULK_ACTIONS as REQUEST_ACTIONS
from campaigns.bulk import MAX_ROWS
from campaigns.params import IdField
from tasks.bulk import BULK_ACTIONS as TASK_ACTIONS

from .models import Page

REQUEST_ACTION_LABELS = {
    "approve": _("Approve"),
    "reject": _("Reject"),
    "request_changes": _("Request changes"),
    "launch": _("Launch"),
    "close": _("Close"),
    "cancel": _("Cancel"),
}
TASK_ACTION_LABELS = {
    "assign": _("Assign"),
    "start": _("Start"),
    "pause": _("Pause (waiting)"),
    "resume": _("Resume"),
    "submit_review": _("Submit for review"),
    "complete": _("Complete"),
    "reopen": _("Reopen"),
    "cancel": _("Cancel"),
    "set_due": _("Move the due date (reason required)"),
}


class IdListField(forms.Field):
    """Ticked row ids: each a database id, at most MAX_ROWS, at least one."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Select at least one row."),
        "too_many": _("Select at most %(n)s rows."),
    }

    def to_python(self, value):
        values = value if isinstance(value, (list, tuple)) else ([value] if value not in (None, "") else [])
        if len(values) > MAX_ROWS:
            raise forms.ValidationError(self.error_messages["too_many"] % {"n": MAX_ROWS}, code="too_many")
        field = IdField()
        return [field.clean(v) for v in values]

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class RequestBulkForm(forms.Form):
    ids = IdListField()
    action = forms.ChoiceField(
        label=_("Action to run"), choices=[(a, REQUEST_ACTION_LABELS[a]) for a in REQUEST_ACTIONS]
    )
    comment = forms.CharField(label=_("Comment or reason"), required=False, max_length=4000)


class TaskBulkForm(forms.Form):
    ids = IdListField()
    action = forms.ChoiceField(label=_("Action to run"), choices=[(a, TASK_ACTION_LABELS[a]) for a in TASK_ACTIONS])
    assignee = forms.CharField(label=_("Assignee"), required=False, max_length=150, widget=forms.Select)
    comment = forms.CharField(label=_("Comment or reason"), required=False, max_length=4000)
    actual_hours = forms.DecimalField(
        label=_("Actual hours"), required=False, min_value=0, max_digits=6, decimal_places=1
    )
    due_date = forms.DateField(label=_("New due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from governance.people import worker_choices

        self.fields["assignee"].widget.choices = [("", _("unassigned —")), *worker_choices()]
        self.fields["assignee"].widget.attrs["data-picker"] = ""


class SaveViewForm(forms.Form):
    page = forms.ChoiceField(choices=Page.choices, widget=forms.HiddenInput)
    query = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)
    name = forms.CharField(label=_("View name"), max_length=80)


class RenameViewForm(forms.Form):
    name = forms.CharField(label=_("New name"), max_length=80)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
