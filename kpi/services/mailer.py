"""Sending e-mail: SMTP settings from the environment, one UTF-8 message (Japanese subject and body), sent with
the standard library. No settings → nothing is sent and the caller records that (the in-app notice still exists).

Environment: KPI_SMTP_HOST, KPI_SMTP_PORT (default 25; 465 means implicit TLS), KPI_SMTP_FROM, optional
KPI_SMTP_USER / KPI_SMTP_PASSWORD, KPI_SMTP_STARTTLS (1/true/yes), KPI_SMTP_TIMEOUT_S (default 20).
"""
from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid


class MailError(RuntimeError):
    """Sending failed; str() is a Japanese sentence naming the server."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send."""

    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_s: float = 20.0

    @property
    def implicit_tls(self) -> bool:
        return self.port == 465


_TRUE = {"1", "true", "yes", "on"}


def settings_from_env(env: Mapping[str, str] | None = None) -> SmtpSettings | None:
    """The SMTP settings when KPI_SMTP_HOST and KPI_SMTP_FROM are set, else None (e-mail switched off)."""
    env = os.environ if env is None else env
    host, sender = (env.get("KPI_SMTP_HOST") or "").strip(), (env.get("KPI_SMTP_FROM") or "").strip()
    if not host or not sender:
        return None
    try:
        port = int(env.get("KPI_SMTP_PORT") or 25)
        timeout = float(env.get("KPI_SMTP_TIMEOUT_S") or 20)
    except ValueError:
        raise MailError("KPI_SMTP_PORT・KPI_SMTP_TIMEOUT_S は数値で設定してください") from None
    return SmtpSettings(host=host, port=port, sender=sender, user=env.get("KPI_SMTP_USER") or None,
                        password=env.get("KPI_SMTP_PASSWORD") or None,
                        starttls=(env.get("KPI_SMTP_STARTTLS") or "").strip().lower() in _TRUE, timeout_s=timeout)


def build_message(sender: str, recipients: Sequence[str], subject: str, body: str) -> EmailMessage:
    """A plain-text UTF-8 message (the subject is RFC 2047-encoded by the e-mail package)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(body, charset="utf-8")
    return msg


def send(settings: SmtpSettings, recipients: Sequence[str], subject: str, body: str) -> None:
    """Send one message to the recipients; MailError (Japanese) when the server refuses or cannot be reached."""
    if not recipients:
        return
    msg = build_message(settings.sender, recipients, subject, body)
    try:
        if settings.implicit_tls:
            client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout_s,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
        with client:
            if settings.starttls and not settings.implicit_tls:
                client.starttls(context=ssl.create_default_context())
            if settings.user:
                client.login(settings.user, settings.password or "")
            refused = client.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"メールを送信できませんでした（{settings.host}:{settings.port}）: {exc}") from exc
    if refused:
        raise MailError(f"一部の宛先に配信できませんでした: {', '.join(sorted(refused))}")
