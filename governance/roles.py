"""Role names. Roles are Django groups so an Admin can manage them in the admin."""

from django.utils.translation import gettext_lazy as _

REQUESTER = "Requester"
APPROVER = "Approver"
MOPS = "MOps"
SPECIALIST = "Specialist"
ADMIN = "Admin"

ALL_ROLES = (REQUESTER, APPROVER, MOPS, SPECIALIST, ADMIN)

ROLE_LABELS = {
    REQUESTER: _("Requester"),
    APPROVER: _("Approver"),
    MOPS: "MOps",
    SPECIALIST: _("Specialist"),
    ADMIN: _("Admin"),
}
