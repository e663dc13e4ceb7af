"""Where messages go: e-mail over SMTP (aiosmtplib) or, in development, into .eml files; SMS through a
provider interface whose development implementation writes to a sink directory.

Every message carries its notification id (`Message-ID` / idempotency key), so a resend after a crash
between "sent" and "marked sent" can be recognised downstream.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

import aiosmtplib


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    notification_id: str
    to: str
    subject: str
    text: str
    html: str | None


class Mailer(Protocol):
    async def send(self, mail: OutgoingEmail) -> None: ...


class SmsProvider(Protocol):
    async def send(self, *, notification_id: str, to: str, text: str) -> None: ...


def build_email(mail: OutgoingEmail, sender: str) -> EmailMessage:
    """A multipart/alternative message: plain text first, HTML as the richer alternative."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=mail.notification_id, domain="mercato.localhost")
    message["X-Mercato-Notification-Id"] = mail.notification_id
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    return message


class SmtpMailer:
    """Sends through an SMTP server, one connection per message (simple, and fine at these volumes)."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout_seconds: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password = username, password
        self.starttls, self.timeout_seconds = starttls, timeout_seconds

    async def send(self, mail: OutgoingEmail) -> None:
        """Deliver to the server; raises on refusal or timeout, and the sender retries later."""
        await aiosmtplib.send(
            build_email(mail, self.sender),
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            start_tls=self.starttls,
            timeout=self.timeout_seconds,
        )


class FileMailer:
    """Development sink: each message is written as `<notification id>.eml` under a directory."""

    def __init__(self, directory: Path, sender: str) -> None:
        self.directory, self.sender = directory, sender

    async def send(self, mail: OutgoingEmail) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / f"{mail.notification_id}.eml").write_bytes(bytes(build_email(mail, self.sender)))


class DevSinkSms:
    """Development SMS provider: appends one JSON line per message to `<dir>/sms.jsonl`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(self, *, notification_id: str, to: str, text: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        with (self.directory / "sms.jsonl").open("a") as out:
            out.write(json.dumps({"id": notification_id, "to": to, "text": text}) + "\n")
