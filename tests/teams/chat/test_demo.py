"""The demo conversation: in the demo teams that exist, idempotent, nothing without teams."""

from teams.chat import demo as demo_chat
from teams.models import Message, ReadMarker
from wijklab import demo


def test_without_teams_the_chat_demo_creates_nothing(db):
    ctx = demo.seed()
    demo_chat.seed(ctx)
    assert not Message.objects.exists()


def test_the_demo_teams_get_a_dutch_conversation_once_and_student4_has_unread_messages(db):
    from assignments import demo as assignments_demo
    from teams import demo as teams_demo

    ctx = demo.seed()
    assignments_demo.seed(ctx)
    teams_demo.seed(ctx)
    demo_chat.seed(ctx)
    count = Message.objects.count()
    assert count > 10
    student4 = ctx.users["student4"]
    team = student4.memberships.get(left_at__isnull=True).team
    bodies = list(team.messages.values_list("body", flat=True))
    assert any("huisbezoeken" in body for body in bodies)
    assert all("{" not in body for body in bodies)
    from teams.chat.selectors import chat_overview, may_read_chat

    assert chat_overview(user=student4).get(pk=team.pk).unread == 3
    # Every author may read the chat they wrote in.
    for message in Message.objects.select_related("author", "team"):
        assert may_read_chat(user=message.author, team=message.team)

    demo_chat.seed(ctx)
    assert Message.objects.count() == count
    assert ReadMarker.objects.filter(user=student4, team=team).count() == 1
