"""Demo invitations: one pending invitation in the demo cohort, so the coordinator's list shows one.

A new hbo-docent invited by the coordinator. Only a hash of the link is stored, so
the link is in the invitation mail alone (the console mail backend prints it when the
demo is seeded; "Opnieuw sturen" on the cohort's invitation page mails a new one).

Idempotent: an invitation for the address in the demo cohort, whatever its state, is left alone.
"""

from wijklab.demo import DemoContext
from wijklab.invitation_services import invitation_create
from wijklab.models import Invitation, Role, SupervisorKind

EMAIL = "e.demir@demo.wijklab.nl"
NAME = "Esra Demir"
SCHOOL = "Hogeschool Rotterdam"


def seed(ctx: DemoContext) -> None:
    if Invitation.objects.filter(cohort=ctx.cohort, email__iexact=EMAIL).exists():
        return
    invitation_create(
        by=ctx.coordinator,
        email=EMAIL,
        display_name=NAME,
        role=Role.SUPERVISOR,
        supervisor_kind=SupervisorKind.HBO_DOCENT,
        school=ctx.schools[SCHOOL],
        cohort=ctx.cohort,
    )
