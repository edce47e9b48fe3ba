"""The people who can log in at the test provider, and the client Wijklab is registered as.

Plain data, imported by the provider process (to create them) and by the tests
(to fill in the log-in form and to invite the right e-mail addresses).
"""

CLIENT_ID = "wijklab-test"
CLIENT_SECRET = "wijklab-test-secret"
PASSWORD = "instelling-test"

# username -> claims; the provider's "sub" is its own user id, fixed at start.
ACCOUNTS = {
    # Invited by e-mail (the tests create the invitation): the provider vouches for the address.
    "sanne": {"email": "sanne.jansen@student.hr.example.nl", "email_verified": True, "name": "Sanne Jansen"},
    # The same address, but the provider does not vouch for it: never matched by e-mail.
    "unverified": {"email": "sanne.jansen@student.hr.example.nl", "email_verified": False, "name": "Sanne J."},
    # Known to the institution, unknown to Wijklab.
    "stranger": {"email": "onbekend@example.org", "email_verified": True, "name": "Onbekende Persoon"},
}
