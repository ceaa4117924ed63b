"""A person talking to the bot through the real router, for tests that read like transcripts."""

from __future__ import annotations

import uuid

from bot.channels.plain import render
from bot.runtime import Runtime, TenantNotChosen
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
        """`email`: what the platform's directory gives ("" for none). By default on the local
        channel, the persona's e-mail from the municipality's settings, as bot/channels/local
        sends it, or one of the person's own for anyone else: a test about the profile form's
        e-mail question passes "" or talks on another channel."""
        self.runtime = runtime
        self.user = user
        self.name = name
        self.tenant = tenant
        self.division = division
        self.channel = channel
        self.email = email
        self.last: list[Reply] = []
        # The conversation as a platform that can replace messages shows it: (ref, reply).
        self.screen: list[tuple[str, Reply]] = []
        self._shown = 0

    async def send(self, **fields: object) -> list[Reply]:
        fields.setdefault("user_division", self.division)
        if self.email is None:  # looked up once, as a platform's directory is cached
            self.email = await self._default_email()
        fields.setdefault("user_email", self.email or None)
        turn = Turn(
            tenant_id=self.tenant,
            channel=self.channel,
            user_id=self.user,
            conversation_id="main",
            user_name=self.name,
            **fields,  # type: ignore[arg-type]
        )
        self.last = await self.runtime.handle(turn)
        for reply in self.last:
            self._show(reply)
        return self.last

    async def _default_email(self) -> str | None:
        if self.channel != "local":
            return None
        try:
            town = await self.runtime.town(self.tenant)
        except TenantNotChosen:  # a test of an unknown tenant
            return None
        persona = next((p for p in town.personas if p.id == self.user), None)
        if persona is not None:
            return persona.email or ""  # "": none, and not looked up again
        return f"{self.user.lower()}@{self.tenant}.example.lg.jp"

    def _show(self, reply: Reply) -> None:
        replaces = getattr(reply, "replaces", None)
        for index, (ref, _) in enumerate(self.screen):
            if ref == replaces:
                self.screen[index] = (ref, reply)
                return
        self._shown += 1
        self.screen.append((f"msg-{self._shown}", reply))

    async def say(self, text: str, event_id: str | None = None) -> list[Reply]:
        return await self.send(text=text, event_id=event_id or str(uuid.uuid4()))

    async def press(self, label: str, *, in_place: bool = False) -> list[Reply]:
        """Press the button with this label (or id) among the last replies; `in_place` says
        which message it was on, as Slack and Teams do, so the bot may replace that one."""
        button = self.button(label)
        ref = self.ref_of(button) if in_place else None
        return await self.send(action=button.id, message_ref=ref, event_id=str(uuid.uuid4()))

    def ref_of(self, button: Button) -> str:
        for ref, reply in reversed(self.screen):
            if button in getattr(reply, "buttons", ()):
                return ref
        raise AssertionError(f"{button} is on no message shown")

    @property
    def shown(self) -> str:
        """The whole conversation as it stands on the screen, replacements applied."""
        return "\n".join(render(reply) for _, reply in self.screen)

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
