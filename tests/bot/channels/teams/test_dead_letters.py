"""Posts for the policy division's or the CAIO's Teams channel that cannot go there: no channel
chosen yet is not a passing failure, so they are dead at once and mailed to the policy contact
straight away, and the mail says why and what to do — never as if it had been retried."""

from __future__ import annotations

import pytest

from dialogs.ui import Text
from storage.addresses import CAIO
from storage.db import transaction
from storage.models import utcnow
from storage.outbox import enqueue, revive
from tests.bot.channels.teams.conftest import (
    CAIO_CHANNEL,
    POLICY_CHANNEL,
    SATO,
    YAMADA,
    Server,
    TeamsPerson,
)
from tests.bot.channels.teams.farend import FarEnd
from tests.bot.channels.teams.test_channels import channel_person, file_report, install_in_team
from tests.bot.channels.teams.test_lifecycle_gaps import creates, mails, teams_rows
from tests.conftest import SAMPLE_TENANT
from tests.towns import clear_channel

CAIO_NOTE = "重大なリスクケースのお知らせ（テスト）"


async def post_for(server: Server, which: str, yamada: TeamsPerson) -> str:
    """Something for that channel: a report's summary, or a note for the CAIO."""
    if which == "policy":
        return await file_report(yamada)
    async with transaction(server.runtime.sessions) as session:
        await enqueue(
            session,
            SAMPLE_TENANT,
            key="test:caio-note",
            channel="teams",
            address=CAIO,
            body=Text(CAIO_NOTE).to_dict(),
        )
    return CAIO_NOTE


@pytest.fixture
def yamada(server: Server, farend: FarEnd) -> TeamsPerson:
    return TeamsPerson(server, farend, YAMADA, "山田 花子")


@pytest.mark.parametrize("which", ["policy", "caio"])
async def test_a_post_for_a_channel_never_chosen_is_mailed_at_once_saying_to_choose_it(
    which: str, server: Server, farend: FarEnd, yamada: TeamsPerson
) -> None:
    await install_in_team(server, farend)
    await clear_channel(server.runtime.sessions, SAMPLE_TENANT, which)
    what = await post_for(server, which, yamada)
    await server.runtime.deliver()
    [dead] = [r for r in await teams_rows(server) if r.target == which]
    assert dead.dead_at is not None and dead.attempts == 1  # not retried ten times
    [mail] = await mails(server)  # straight away, to the policy contact
    assert what in mail["text"]
    label = "情報政策課" if which == "policy" else "CAIO"
    assert label in mail["subject"] and "チャンネルが選ばれていません" in mail["subject"]
    assert "回失敗" not in mail["subject"] and "回試しても" not in mail["text"]
    assert "チャネル設定" in mail["text"]  # where to choose it…
    assert f"aiguide outbox retry {dead.id}" in mail["text"]  # …and how to send it again

    # Doing what the mail says: the channel chosen, the post sent again, and it arrives.
    chosen = POLICY_CHANNEL if which == "policy" else CAIO_CHANNEL
    sato = channel_person(server, farend, SATO, "佐藤 健", chosen, chosen)
    await sato.say("チャネル 政策" if which == "policy" else "チャネル caio")
    async with transaction(server.runtime.sessions) as session:  # `aiguide outbox retry`
        assert await revive(session, dead.id or 0, utcnow())
    await server.runtime.deliver()
    assert [c.split(";")[0] for c in creates(farend)] == [chosen]


async def test_a_post_the_platform_refuses_is_mailed_saying_so_not_as_if_retried(
    server: Server, farend: FarEnd, yamada: TeamsPerson
) -> None:
    await install_in_team(server, farend)
    farend.gone.add(POLICY_CHANNEL)  # the Bot Connector answers 403
    await file_report(yamada)
    await server.runtime.deliver()
    [dead] = [r for r in await teams_rows(server) if r.target == "policy"]
    [mail] = await mails(server)
    assert dead.attempts == 1
    assert "受け付けません" in mail["subject"] and "回失敗" not in mail["subject"]
    assert "回試しても" not in mail["text"] and "チャネル設定" in mail["text"]
    assert f"aiguide outbox retry {dead.id}" in mail["text"]
