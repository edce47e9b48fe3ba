"""The team chat: a package of the teams app with an app config of its own (``chat``).

Its tables stay in ``teams.models`` (a team's messages are the team's); the rest of the
teams app never imports this package: it sends ``teams.signals.membership_ended`` and the
chat listens (``receivers.py``). The protocol is described in docs/chat-protocol.md.
"""
