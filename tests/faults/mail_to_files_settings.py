"""The platform's settings with e-mail written to files, for a real Celery worker whose mails a fault test counts."""

import os

from wijklab.settings import *  # noqa: F403 - the whole platform, one setting changed

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["WIJKLAB_TEST_MAIL_DIR"]
