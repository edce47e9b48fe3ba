from oauth2_provider.oauth2_validators import OAuth2Validator

from tests.oidc_provider.accounts import ACCOUNTS


class ClaimsValidator(OAuth2Validator):
    """Puts email and email_verified (scope email) and name (scope profile) in the ID token and userinfo."""

    def get_additional_claims(self, request):
        account = ACCOUNTS.get(request.user.username, {})
        return {
            "email": account.get("email", request.user.email),
            "email_verified": account.get("email_verified", False),
            "name": account.get("name", request.user.get_full_name()),
        }
