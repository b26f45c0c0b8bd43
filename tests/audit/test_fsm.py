"""The state-machine base: state fields found once per model, concurrent transitions still refused."""

from __future__ import annotations

import pytest
from django_fsm import ConcurrentTransition

from campaigns.models import CampaignRequest
from tasks.models import Task


def test_each_model_lists_its_one_state_field():
    assert [f.name for f in Task().state_fields] == ["state"]
    assert [f.name for f in CampaignRequest().state_fields] == ["state"]


def test_a_save_over_a_transition_made_meanwhile_is_refused(alice, make_request):
    req = make_request(alice)
    first, stale = CampaignRequest.objects.get(pk=req.pk), CampaignRequest.objects.get(pk=req.pk)
    first.submit()
    first.save()
    stale.submit()
    with pytest.raises(ConcurrentTransition):
        stale.save()
