from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import BusinessUnit, GovernanceModel
from .names import person_name


class PersonChoiceField(forms.ModelChoiceField):
    """A people picker that shows names (佐藤花子 · sato), not bare usernames."""

    def label_from_instance(self, obj) -> str:
        name = person_name(obj)
        return name if name == obj.username else f"{name} · {obj.username}"


INHERIT = ""


class GovernanceForm(forms.Form):
    """The organisation's model plus one optional override per business unit."""

    model = forms.ChoiceField(label=_("Organisation model"), choices=GovernanceModel.choices)
    hybrid_threshold = forms.DecimalField(
        label=_("Hybrid threshold (JPY)"), min_value=0, decimal_places=0, max_digits=14
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = list(BusinessUnit.objects.order_by("slug"))
        for unit in self.units:
            self.fields[f"unit_{unit.slug}_model"] = forms.ChoiceField(
                label=_("%(unit)s model") % {"unit": unit.name},
                required=False,
                choices=[(INHERIT, _("Inherit"))] + list(GovernanceModel.choices),
            )
            self.fields[f"unit_{unit.slug}_threshold"] = forms.DecimalField(
                label=_("%(unit)s threshold") % {"unit": unit.name},
                required=False,
                min_value=0,
                decimal_places=0,
                max_digits=14,
            )

    def unit_rows(self):
        return [(u, self[f"unit_{u.slug}_model"], self[f"unit_{u.slug}_threshold"]) for u in self.units]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        units = [
            {
                "unit": u.slug,
                "model": data[f"unit_{u.slug}_model"],
                "hybrid_threshold": data[f"unit_{u.slug}_threshold"],
            }
            for u in self.units
            if data.get(f"unit_{u.slug}_model")
        ]
        return {"model": data["model"], "hybrid_threshold": data["hybrid_threshold"], "units": units}


class DelegationForm(forms.Form):
    delegate = PersonChoiceField(label=_("Delegate"), queryset=None)
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        from .services import approver_choices

        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = approver_choices()
