"""A real SMTP server (aiosmtpd) on a free local port, and the messages it received."""

import email
import email.policy
import re
import socket

import pytest
from aiosmtpd.controller import Controller

LINK = re.compile(r"https?://\S+/(?:password|invitation)/[\w-]+")


class Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.envelopes.append(envelope)
        return "250 OK"

    @property
    def messages(self):
        """Every message received, parsed: ``message["To"]``, ``message.get_content()``."""
        return [
            email.message_from_bytes(envelope.content, policy=email.policy.default)
            for envelope in self.envelopes
        ]

    def link_to(self, address: str) -> str:
        """The one sign-in link emailed to ``address``."""
        bodies = [m.get_content() for m in self.messages if m["To"] == address]
        assert len(bodies) == 1, f"{len(bodies)} messages to {address}"
        links = LINK.findall(bodies[0])
        assert len(links) == 1, bodies[0]
        return links[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox(app):
    """The app sends mail to a local SMTP server; the fixture is what it received. Links in
    mail are built on PUBLIC_BASE_URL, set here to https://training.example."""
    port = free_port()
    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=port, PUBLIC_BASE_URL="https://training.example"
    )
    yield received
    controller.stop()
