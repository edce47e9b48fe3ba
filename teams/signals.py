"""Signals other parts of the teams app listen to.

``membership_ended`` is sent (after commit) when a student leaves a team or is
moved/removed from it; the chat closes that student's open sockets.
"""

from django.dispatch import Signal

# kwargs: team_id: int, user_id: int
membership_ended = Signal()
