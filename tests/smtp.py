"""A real SMTP server on loopback (aiosmtpd) that Django's SMTP backend sends to in tests."""

import email
import email.policy
import io
import socket

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings
from pypdf import PdfReader


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """What the server received: each message parsed, with its envelope recipients."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    @property
    def messages(self):
        return [m for _to, m in self.received]

    def to(self, address: str):
        return [m for rcpt, m in self.received if address in rcpt]

    def clear(self):
        self.received.clear()


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def pdf_text(message) -> tuple[str, int]:
    """The text of the message's PDF attachment and its page count (pypdf)."""
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    reader = PdfReader(io.BytesIO(part.get_content()))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def smtp_settings(port: int) -> dict:
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_USE_TLS": False,
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "EMAIL_TIMEOUT": 5,
        "EDC_BASE_URL": "https://edc.example.org",
    }


@pytest.fixture
def smtp():
    """Start the server on a spare port and point Django's SMTP backend at it."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with override_settings(**smtp_settings(controller.port)):
            yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def smtp_down():
    """Django's SMTP backend pointed at a port where nothing listens (a mail server outage)."""
    with override_settings(**smtp_settings(free_port())):
        yield
