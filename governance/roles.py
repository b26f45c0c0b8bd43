"""Role names. Roles are Django groups so an Admin can manage them in the admin."""
REQUESTER = "Requester"
APPROVER = "Approver"
MOPS = "MOps"
SPECIALIST = "Specialist"
ADMIN = "Admin"

ALL_ROLES = (REQUESTER, APPROVER, MOPS, SPECIALIST, ADMIN)

ROLE_LABELS = {
    REQUESTER: "依頼者 / Requester",
    APPROVER: "承認者 / Approver",
    MOPS: "MOps",
    SPECIALIST: "担当者 / Specialist",
    ADMIN: "管理者 / Admin",
}
