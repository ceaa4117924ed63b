"""Addresses fit where they are kept, on PostgreSQL as on SQLite (which checks no lengths).

Found on PostgreSQL: `channel_post.channel_key` was VARCHAR(32), and the local mailbox's
`mail:caio@city.sakura.example.lg.jp` is 35 characters, so without SMTP the CAIO's and the
security contact's mails, and every post to a user id over 32 characters, failed with
"value too long" and were retried forever.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.runtime import Runtime
from storage.addresses import (
    ADDRESS_LENGTH,
    CAIO,
    EMAIL_LENGTH,
    POLICY,
    USER_ID_LENGTH,
    Address,
    AddressError,
    InThread,
    MailAddress,
    PersonAddress,
    address_of,
    columns_of,
)
from storage.db import transaction
from storage.models import ChannelPost, OutboxMessage, Person, max_length_of, utcnow
from storage.outbox import pending_count
from tests.bot.outbox.helpers import inbox_texts, queue, threads
from tests.chat import Chat
from tests.conftest import SAMPLE_TENANT
from tests.dialogs.test_risk_report import Case, Persona, file_report

CAIO_MAIL = "caio@city.sakura.example.lg.jp"
SECURITY_MAIL = "security@city.sakura.example.lg.jp"


async def test_without_smtp_the_caio_and_security_mails_reach_the_local_mailbox(
    runtime: Runtime,
) -> None:
    yamada = Persona(runtime, "yamada")
    number = await file_report(
        yamada, Case(category="偏見・差別的な出力", entered="個人情報を入力した")
    )
    await runtime.deliver()
    async with transaction(runtime.sessions) as session:
        assert await pending_count(session, SAMPLE_TENANT) == 0  # nothing stuck retrying
    for address in (CAIO_MAIL, SECURITY_MAIL):
        [mail] = await threads(runtime, f"mail:{address}")
        assert number in mail.post.body["subject"]


async def test_a_person_with_a_long_user_id_gets_their_messages(runtime: Runtime) -> None:
    long_id = "U" + "x" * (USER_ID_LENGTH - 1)  # as long as a person row allows
    assert await Chat(runtime, long_id, None).say("メニュー")  # known to the bot
    assert await queue(runtime, "notice", long_id, "お知らせ", utcnow())
    await runtime.deliver()
    assert await inbox_texts(runtime, long_id) == ["お知らせ"]


async def test_the_longest_mail_address_fits(runtime: Runtime) -> None:
    local = "a" * 64
    address = f"{local}@{'d' * (EMAIL_LENGTH - len(local) - 1 - 3)}.jp"
    assert len(address) == EMAIL_LENGTH
    when = utcnow() - timedelta(seconds=1)
    await queue(runtime, "long", "", "本文", when, channel="email", address=MailAddress(address))
    assert await runtime.deliver() == 1
    assert len(await threads(runtime, f"mail:{address}")) == 1


def test_the_columns_that_hold_an_address_are_as_long_as_the_longest_address() -> None:
    assert max_length_of(OutboxMessage, "target") == ADDRESS_LENGTH
    assert max_length_of(ChannelPost, "channel_key") == ADDRESS_LENGTH
    assert max_length_of(Person, "user_id") == USER_ID_LENGTH
    assert len(f"mail:{'m' * EMAIL_LENGTH}") <= ADDRESS_LENGTH
    assert len(f"user:{'u' * USER_ID_LENGTH}") <= ADDRESS_LENGTH


@pytest.mark.parametrize(
    "address",
    [
        PersonAddress("yamada"),
        POLICY,
        CAIO,
        MailAddress(CAIO_MAIL),
        InThread("report:1:policy", opens=True),
        InThread("report:1:policy"),
        InThread("x", place=CAIO),
    ],
)
def test_an_address_is_read_back_as_it_was_written(address: Address) -> None:
    columns = columns_of(address)
    thread_key = columns["thread_key"]
    assert thread_key is None or isinstance(thread_key, str)
    assert address_of(str(columns["target"]), thread_key, bool(columns["opens_thread"])) == address


def test_what_is_not_an_address_is_refused_clearly() -> None:
    for target in ("", "user:", "someone", "mail:"):
        with pytest.raises(AddressError):
            address_of(target)
    with pytest.raises(AddressError):
        address_of("user:yamada", thread_key="report:1:policy")  # threads live in channels
    with pytest.raises(AddressError, match="at most"):
        columns_of(MailAddress("m" * ADDRESS_LENGTH))
