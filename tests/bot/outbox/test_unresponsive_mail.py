"""A mail server that accepts the connection and never answers must freeze nothing: turns are
answered while the mail hangs (on SQLite too, where a transaction held across the call would
lock every turn out), the terminal chat does not keep its person waiting, an SMTP attempt
gives up after its timeout, and a mail sent again after a crash carries the same Message-ID.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bot.channels.console import run_chat
from bot.outbox.deliverers import Outgoing
from bot.outbox.delivery import Delivery
from bot.outbox.mail import SmtpDeliverer
from bot.runtime import Runtime
from storage.addresses import MailAddress
from storage.models import OutboxMessage, utcnow
from tests.bot.outbox.helpers import outbox_row, queue, registry, threads
from tests.chat import Chat
from tests.conftest import Database, settings_for
from tests.dialogs.test_risk_report import Case, Persona, file_report
from tests.smtp import HOST, smtp_server

CAIO_MAIL = "caio@city.sakura.example.lg.jp"
PATIENCE = 30  # seconds: generous; nothing here is a measurement


@dataclass
class SilentServer:
    port: int
    connected: asyncio.Event = field(default_factory=asyncio.Event)


@asynccontextmanager
async def silent_smtp() -> AsyncIterator[SilentServer]:
    """A TCP server on loopback that takes connections and never says a word (not even the
    SMTP greeting), as a hung relay does."""
    writers: list[asyncio.StreamWriter] = []
    state: list[SilentServer] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        state[0].connected.set()
        await reader.read()  # until the client gives up

    server = await asyncio.start_server(handle, HOST, 0)
    state.append(SilentServer(server.sockets[0].getsockname()[1]))
    try:
        yield state[0]
    finally:
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()


async def hanging_runtime(database: Database, server: SilentServer, wait: float) -> Runtime:
    settings = settings_for(database, smtp_host=HOST, smtp_port=server.port, smtp_timeout=wait)
    runtime = Runtime.create(settings)
    await runtime.load_sample_data()
    return runtime


async def eventually(check: Callable[[], Awaitable[bool]]) -> bool:
    deadline = asyncio.get_running_loop().time() + PATIENCE
    while asyncio.get_running_loop().time() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.05)
    return await check()


async def caio_mail(runtime: Runtime) -> OutboxMessage:
    return await outbox_row(runtime, "report:1:caio-mail:filed")


async def test_turns_are_answered_while_the_caio_mail_hangs(database: Database) -> None:
    async with silent_smtp() as server:
        runtime = await hanging_runtime(database, server, wait=600)
        try:
            await file_report(Persona(runtime, "yamada"), Case(category="偏見・差別的な出力"))
            delivering = asyncio.create_task(runtime.deliver())
            async with asyncio.timeout(PATIENCE):
                await server.connected.wait()

            for n in range(5):
                async with asyncio.timeout(PATIENCE):
                    replies = await Chat(runtime, f"staff{n}").say("メニュー")
                assert replies and "Traceback" not in replies[0].to_dict().get("text", "")
            # The CAIO's channel is another lane: its post went out beside the hung mail.
            assert await eventually(lambda: _has_caio_post(runtime))
            assert not delivering.done()  # all of that while the mail was still hanging
            mail = await caio_mail(runtime)
            assert mail.sent_at is None and mail.leased_until is not None

            delivering.cancel()
            with pytest.raises(asyncio.CancelledError):
                await delivering
            # Stopped mid-call, the mail is given back: due at once, for the next pass.
            assert (await caio_mail(runtime)).leased_until is None
        finally:
            await runtime.close()


async def _has_caio_post(runtime: Runtime) -> bool:
    return len(await threads(runtime, "caio")) == 1


async def test_an_smtp_attempt_gives_up_after_its_timeout(database: Database) -> None:
    async with silent_smtp() as server:
        runtime = await hanging_runtime(database, server, wait=0.5)
        try:
            await file_report(Persona(runtime, "yamada"), Case(category="偏見・差別的な出力"))
            async with asyncio.timeout(PATIENCE):
                await runtime.deliver()
            mail = await caio_mail(runtime)
            assert mail.sent_at is None and mail.attempts == 1 and mail.failed_at is not None
            assert "Timeout" in mail.last_error
        finally:
            await runtime.close()


async def test_the_terminal_chat_does_not_wait_for_a_hung_mail_server(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    async with silent_smtp() as server:
        runtime = await hanging_runtime(database, server, wait=600)
        try:
            mail = MailAddress(CAIO_MAIL)
            await queue(runtime, "mail", "", "件名", utcnow(), channel="email", address=mail)
            script = io.StringIO("メニュー\nヘルプ\n")
            async with asyncio.timeout(PATIENCE):
                code = await run_chat(
                    await runtime.town(),
                    "yamada",
                    script,
                    as_json=True,
                    echo=False,
                    finish_seconds=0.2,
                )
            assert code == 0
            said = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
            assert len(said) >= 2  # both lines answered
            assert server.connected.is_set()  # the mail was under way all along
            row = await outbox_row(runtime, "mail")
            assert row.sent_at is None and row.leased_until is None  # still queued
        finally:
            await runtime.close()


class StopsAfterTheServerAccepts(SmtpDeliverer):
    """Sends for real, then the process "dies" before the outcome is recorded, once."""

    stopped = False

    async def deliver(self, message: Outgoing) -> str:
        ref = await super().deliver(message)
        if not self.stopped:
            self.stopped = True
            raise asyncio.CancelledError
        return ref


async def test_a_mail_sent_again_after_a_crash_has_the_same_message_id(runtime: Runtime) -> None:
    with smtp_server() as smtp:
        mailer = StopsAfterTheServerAccepts(HOST, smtp.port, "aiguide@city.sakura.example.lg.jp")
        delivery = Delivery(runtime.sessions, registry(email=mailer))
        key = "report:7:caio-mail:filed"
        mail = MailAddress(CAIO_MAIL)
        await queue(runtime, key, "", "本文", utcnow(), channel="email", address=mail)
        with pytest.raises(asyncio.CancelledError):
            await delivery.run_once(utcnow() + timedelta(seconds=1))
        assert await delivery.run_once(utcnow() + timedelta(seconds=1)) == 1

        first, second = smtp.to(CAIO_MAIL)  # at-least-once: it did go twice
        assert first.message["Message-ID"] == second.message["Message-ID"]
        assert first.message["Message-ID"] == "<report.7.caio-mail.filed@city.sakura.example.lg.jp>"
        assert second.message["X-Aiguide-Outbox-Key"] == key
        assert (await outbox_row(runtime, key)).sent_ref == second.message["Message-ID"]
