"""``{% campaign_tasks obj %}``: a campaign's tasks and labour cost on the campaign page."""

from django import template

from governance import policy

register = template.Library()


@register.inclusion_tag("tasks/_campaign_tasks.html", takes_context=True)
def campaign_tasks(context, campaign):
    from tasks import selectors
    from tasks.workload import campaign_labour_cost

    user = context["request"].user
    tasks = selectors.campaign_tasks_for(user, campaign.pk)
    done = sum(1 for t in tasks if t.state == "done")
    total = sum(1 for t in tasks if t.state != "cancelled")
    return {
        "campaign": campaign,
        "tasks": tasks,
        "summary": {"done": done, "total": total},
        "cost": campaign_labour_cost(campaign.pk) if tasks and policy.can_see_labour_cost(user) else None,
        "can_generate": policy.is_ops(user)
        and (campaign.state == "approved" or (campaign.state == "in_production" and not tasks)),
        "request": context["request"],
    }
