"""``{% request_discussion obj %}``: comments and attachments on the request page."""

from django import template

from campaigns import selectors
from campaigns.discussion_forms import AttachmentForm, CommentForm
from governance import policy

register = template.Library()


@register.inclusion_tag("campaigns/_discussion.html", takes_context=True)
def request_discussion(context, obj, comment_form=None, attachment_form=None):
    """The thread and the files of ``obj`` (already visible to the user: the page checked)."""
    request = context["request"]
    return {
        "obj": obj,
        "comments": list(selectors.request_comments_for(request.user, obj.pk)),
        "attachments": list(selectors.request_attachments_for(request.user, obj.pk)),
        "comment_form": comment_form or CommentForm(),
        "attachment_form": attachment_form or AttachmentForm(),
        "request": request,
        "user": request.user,
        "is_ops": policy.is_ops(request.user),
        "csrf_token": context.get("csrf_token"),
    }
