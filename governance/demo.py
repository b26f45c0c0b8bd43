"""Demo organisation: units, users and roles (deterministic, idempotent)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from . import roles
from .models import BusinessUnit, Membership
from .setup import ensure_roles

UNITS = [
    ("tokyo", "東京本社", "Tokyo HQ"),
    ("osaka", "大阪支社", "Osaka"),
    ("apac", "APAC", "APAC"),
]

# username, last name, first name, role, unit, staff
USERS = [
    ("marketer", "佐藤", "花子", roles.REQUESTER, "tokyo", False),
    ("marketer2", "山田", "健", roles.REQUESTER, "osaka", False),
    ("marketer3", "Lim", "Wei", roles.REQUESTER, "apac", False),
    ("cmo", "高橋", "誠", roles.APPROVER, "tokyo", True),
    ("osaka_head", "中村", "直樹", roles.APPROVER, "osaka", False),
    ("apac_head", "Tan", "Mei Ling", roles.APPROVER, "apac", False),
    ("mops", "鈴木", "美咲", roles.MOPS, "tokyo", True),
    ("designer", "田中", "翔", roles.SPECIALIST, "tokyo", False),
    ("webdev", "伊藤", "大輔", roles.SPECIALIST, "tokyo", False),
    ("admin", "管理者", "", roles.ADMIN, "tokyo", True),
]
DEMO_PASSWORD = "demo"


def seed_organisation() -> dict[str, object]:
    """Create the demo units and users; returns them by slug/username."""
    ensure_roles()
    User = get_user_model()
    units = {}
    for slug, name, name_en in UNITS:
        units[slug], _ = BusinessUnit.objects.get_or_create(slug=slug, defaults={"name": name, "name_en": name_en})
    users = {}
    for username, last, first, role, unit, staff in USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"last_name": last, "first_name": first, "email": f"{username}@example.com", "is_staff": staff},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            if role == roles.ADMIN:
                user.is_superuser = True
            user.save()
        user.groups.add(Group.objects.get(name=role))
        Membership.objects.get_or_create(user=user, unit=units[unit])
        users[username] = user
    for slug, head in (("osaka", "osaka_head"), ("apac", "apac_head")):
        BusinessUnit.objects.filter(slug=slug, head__isnull=True).update(head=users[head])
    return {"units": units, "users": users}


def switch_to_hybrid(admin) -> None:
    """Half-way through the demo year the organisation grew: hybrid, APAC decentralised."""
    from .services import governance_update

    governance_update(
        model="hybrid",
        hybrid_threshold=2_000_000,
        units=[{"unit": "apac", "model": "decentralised"}],
        by=admin,
    )
