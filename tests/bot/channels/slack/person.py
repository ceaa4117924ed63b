"""A person in Slack: types in the bot's DM, presses buttons on what the bot posted, and
reads the messages that came back — through the real server, bolt and the fake Web API."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.channels.slack import SLACK
from tests.bot.channels.slack.conftest import SlackBot, find_action, text_of


class SlackPerson:
    def __init__(self, bot: SlackBot, user: str) -> None:
        self.bot = bot
        self.user = user
        self.dm = f"D{user}"
        self.last: list[dict[str, Any]] = []

    async def quiet(self) -> None:
        """Until the work after the acknowledgement is done (nothing left running)."""
        channel = self.bot.server.app[SLACK]
        calm = 0
        for _ in range(500):
            await asyncio.sleep(0.02)
            calm = calm + 1 if not channel.tasks else 0
            if calm >= 5:
                return
        raise AssertionError("the bot kept working")

    async def _after(self, send: Any) -> list[dict[str, Any]]:
        before = len(self.bot.slack.calls)
        response = await send
        assert response.status == 200, response.status
        await self.quiet()
        new = self.bot.slack.calls[before:]
        self.last = [
            {**c.params, "ts": c.answer.get("ts")}
            for c in new
            if c.method in ("chat.postMessage", "chat.postEphemeral") or c.method == "response_url"
        ]
        return self.last

    async def say(self, text: str) -> list[dict[str, Any]]:
        return await self._after(self.bot.dm(self.user, text))

    async def press(self, label: str) -> list[dict[str, Any]]:
        message = self.message_with(label)
        return await self._after(self.bot.press(self.user, message, label, channel=self.dm))

    async def command(self, text: str, channel: str = "") -> list[dict[str, Any]]:
        return await self._after(self.bot.command(self.user, text, channel))

    def message_with(self, label: str) -> dict[str, Any]:
        for message in reversed(self.last):
            try:
                find_action(message, label)
            except AssertionError:
                continue
            return message
        raise AssertionError(f"no button {label!r} in:\n{self.text}")

    @property
    def text(self) -> str:
        return "\n".join(text_of(m) for m in self.last)

    @property
    def labels(self) -> list[str]:
        found = []
        for message in self.last:
            for block in message.get("blocks", []):
                if block.get("type") != "actions":
                    continue
                for element in block["elements"]:
                    if element["type"] == "button":
                        found.append(element["text"]["text"])
                    else:
                        found += [o["text"]["text"] for o in element["options"]]
        return found
