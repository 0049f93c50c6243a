"""Telling people what happened: e-mail through SMTP when configured, else the log; SMS can plug in later.

A channel is anything with `name` and `send(to, subject, body)`. The app keeps its channels in
app.extensions["notify_channels"]; tests and deployments may replace them.
"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Protocol

from flask import Flask, current_app

log = logging.getLogger("xiaobao.notify")


class Channel(Protocol):
    name: str

    def send(self, to: str, subject: str, body: str) -> None: ...


class LogChannel:
    """Development: write the message to the log instead of sending it."""

    name = "email"

    def send(self, to: str, subject: str, body: str) -> None:
        log.info("notification to %s: %s\n%s", to, subject, body)


class SmtpChannel:
    """A real SMTP client (STARTTLS and login when configured)."""

    name = "email"

    def __init__(self, host: str, port: int, sender: str, username: str = "", password: str = "",
                 starttls: bool = False, timeout: float = 10):
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.starttls, self.timeout = username, password, starttls, timeout

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(message)


def init_app(app: Flask) -> None:
    """Choose the channels from the configuration."""
    if app.config.get("SMTP_HOST"):
        email: Channel = SmtpChannel(app.config["SMTP_HOST"], int(app.config.get("SMTP_PORT") or 25),
                                     app.config.get("SMTP_SENDER") or "noreply@xiaobao.local",
                                     app.config.get("SMTP_USERNAME", ""), app.config.get("SMTP_PASSWORD", ""),
                                     bool(app.config.get("SMTP_STARTTLS")))
    else:
        email = LogChannel()
    app.extensions["notify_channels"] = {"email": email}


def send(channel: str, to: str | None, subject: str, body: str) -> bool:
    """Send through `channel` if there is an address; a failure is logged, never raised to the user."""
    if not to:
        return False
    sender = current_app.extensions["notify_channels"].get(channel)
    if sender is None:
        return False
    try:
        sender.send(to, subject, body)
    except (OSError, smtplib.SMTPException):
        log.exception("could not send %s notification to %s", channel, to)
        return False
    return True
