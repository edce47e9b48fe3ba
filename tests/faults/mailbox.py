"""A mail server for the fault tests: every mail a real worker sends is a file of its own.

``EMAIL_BACKEND=tests.faults.mailbox.MailboxBackend`` with ``EMAIL_FILE_PATH=<dir>``: Django's
file backend, but one ``.eml`` file per mail, so a test counts exactly what went out across
processes and kills (a file is written and closed before the send returns, so before the
sender's transaction commits).

A file ``hold-after`` in the directory holding a number N makes every send, once N mails are
there, stop before it writes: the sending process leaves a ``held-<pid>`` file and waits until the
``hold-after`` file is removed (or it is killed). A test thus acts at a moment it knows: a worker's
pool processes in the middle of a job, their sent-records inserted but not committed.
"""

import os
import time
import uuid
from email import message_from_bytes
from email.message import Message
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend

SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # what Django's file backend writes after each mail
HOLD_AFTER = "hold-after"


class MailboxBackend(FileEmailBackend):
    def _get_filename(self) -> str:
        if self._fname is None:
            self._fname = os.path.join(self.file_path, f"{uuid.uuid4().hex}.eml")
        return self._fname

    def send_messages(self, email_messages):
        directory = Path(self.file_path)
        hold = directory / HOLD_AFTER
        try:
            limit = int(hold.read_text())
        except FileNotFoundError:
            limit = None
        if limit is not None and len(list(directory.glob("*.eml"))) >= limit:
            marker = directory / f"held-{os.getpid()}"
            marker.touch()
            while hold.exists():
                time.sleep(0.05)
            marker.unlink()
        return super().send_messages(email_messages)


def read_mailbox(directory: Path) -> list[Message]:
    """Every mail in the directory; a file holds exactly one whole mail."""
    mails = []
    for path in sorted(directory.glob("*.eml")):
        raw = path.read_bytes()
        assert raw.count(SEPARATOR) == 1, f"{path.name} does not hold one mail"
        assert raw.endswith(SEPARATOR), f"{path.name} does not end with its mail"
        mails.append(message_from_bytes(raw[: -len(SEPARATOR)]))
    return mails


def held(directory: Path) -> list[Path]:
    return list(directory.glob("held-*"))
