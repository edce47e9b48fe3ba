from io import StringIO

from django.core.management import call_command


def test_openapi_schema_is_valid_and_has_no_warnings(tmp_path, db):
    """Every endpoint documents itself: a warning means a wrong or guessed schema."""
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target), stdout=StringIO())
    text = target.read_text()
    for path in ["/api/me/", "/api/assignments/", "/api/teams/", "/api/feedback/", "/api/rubrics/"]:
        assert f"{path}:" in text
