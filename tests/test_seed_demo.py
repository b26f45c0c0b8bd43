"""seed_demo builds the demo organisation deterministically and never duplicates."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management import call_command

from campaigns.models import CampaignRequest, RequestEvent, State


def test_seed_demo_is_complete_and_idempotent(db):
    call_command("seed_demo", "--seed", "3")
    User = get_user_model()
    assert set(User.objects.values_list("username", flat=True)) >= {
        "marketer",
        "marketer2",
        "cmo",
        "mops",
        "designer",
        "webdev",
        "admin",
    }
    assert User.objects.get(username="cmo").check_password("demo")
    counts = (User.objects.count(), CampaignRequest.objects.count(), RequestEvent.objects.count())
    states = set(CampaignRequest.objects.values_list("state", flat=True))
    assert states >= {s.value for s in State}
    call_command("seed_demo", "--seed", "3")
    assert (User.objects.count(), CampaignRequest.objects.count(), RequestEvent.objects.count()) == counts
    # every request's events chain from draft to its current state
    for req in CampaignRequest.objects.prefetch_related("events"):
        evs = list(req.events.all())
        assert (evs[-1].to_state if evs else State.DRAFT) == req.state
