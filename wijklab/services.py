"""Writes about people: notifications."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from wijklab.models import Notification, User


def notify(*, users: Iterable[User], kind: str, title: str, body: str = "", url: str = "") -> list[Notification]:
    """Create in-app notifications for ``users`` (deduplicated, in one query)."""
    seen: set[int] = set()
    rows = []
    for user in users:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(Notification(user=user, kind=kind, title=str(title), body=str(body), url=url))
    return Notification.objects.bulk_create(rows)


@transaction.atomic
def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    qs = user.notifications.filter(read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
