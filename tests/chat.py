"""A person talking to the bot through the real router, for tests that read like transcripts."""

from __future__ import annotations

import uuid

from bot.channels.plain import render
from bot.runtime import Runtime
from dialogs.turn import Turn
from dialogs.ui import Button, Reply
from tests.conftest import SAMPLE_TENANT


class Chat:
    def __init__(
        self,
        runtime: Runtime,
        user: str = "yamada",
        name: str | None = "山田 花子",
        *,
        tenant: str = SAMPLE_TENANT,
        division: str | None = None,
        channel: str = "local",
        email: str | None = None,
    ) -> None:
        self.runtime = runtime
        self.user = user
        self.name = name
        self.tenant = tenant
        self.division = division
        self.channel = channel
        self.email = email
        self.last: list[Reply] = []

    async def send(self, **fields: object) -> list[Reply]:
        fields.setdefault("user_division", self.division)
        fields.setdefault("user_email", self.email)
        turn = Turn(
            tenant_id=self.tenant,
            channel=self.channel,
            user_id=self.user,
            conversation_id="main",
            user_name=self.name,
            **fields,  # type: ignore[arg-type]
        )
        self.last = await self.runtime.handle(turn)
        return self.last

    async def say(self, text: str, event_id: str | None = None) -> list[Reply]:
        return await self.send(text=text, event_id=event_id or str(uuid.uuid4()))

    async def press(self, label: str) -> list[Reply]:
        """Press the button with this label (or id) among the last replies."""
        return await self.send(action=self.button(label).id, event_id=str(uuid.uuid4()))

    async def complete_pre_use(self, trained_on: str = "2026-10-01") -> None:
        """Go through 利用開始 as a person would: the training date, then each confirmation."""
        await self.say("利用開始")
        await self.say(trained_on)
        while "確認しました" in self.labels:
            await self.press("確認しました")
        await self.press("送信")
        assert "利用前の確認を記録しました" in self.text, self.text

    async def press_menu(self, intent: str) -> list[Reply]:
        """Press a menu button, as from the menu shown at any time."""
        return await self.send(action=f"menu:{intent}", event_id=str(uuid.uuid4()))

    async def submit(self, values: dict[str, str]) -> list[Reply]:
        form = next(r for r in self.last if r.to_dict()["type"] == "form")
        action = form.to_dict()["submit"]["id"]
        return await self.send(action=action, values=values, event_id=str(uuid.uuid4()))

    def button(self, label: str) -> Button:
        for button in self.buttons():
            if label in (button.label, button.id):
                return button
        raise AssertionError(f"no button {label!r} in:\n{self.text}")

    def buttons(self) -> list[Button]:
        found: list[Button] = []
        for reply in self.last:
            found += getattr(reply, "buttons", ())
            for extra in ("submit", "cancel"):
                if (button := getattr(reply, extra, None)) is not None:
                    found.append(button)
        return found

    @property
    def labels(self) -> list[str]:
        return [b.label for b in self.buttons()]

    @property
    def text(self) -> str:
        """The last replies as a person would read them."""
        return "\n".join(render(reply) for reply in self.last)
