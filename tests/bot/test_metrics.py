"""`/metrics`: what an operator watches, in the Prometheus text format."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot.app import create_app
from bot.runtime import Runtime
from tests.dialogs.test_risk_report import Persona, file_report


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_metrics_count_turns_and_show_the_outbox_and_reports(runtime: Runtime) -> None:
    yamada = Persona(runtime, "yamada")
    await yamada.say("メニュー")
    await file_report(yamada)
    client: TestClient[Any, Any] = TestClient(TestServer(create_app(runtime)))
    await client.start_server()
    try:
        response = await client.get("/metrics")
        assert response.status == 200
        found = samples(await response.text())
    finally:
        await client.close()
    turns = found[("aiguide_turns_total", (("channel", "local"), ("tenant", "sakura-city")))]
    assert turns >= 14  # the menu and every answer of the report
    assert found[("aiguide_reports", (("status", "open"), ("tenant", "sakura-city")))] == 1
    # the report's thread post and the reporter's receipt are waiting for the next tick
    backlog = found[("aiguide_outbox_backlog", (("channel", "local"), ("tenant", "sakura-city")))]
    assert backlog >= 1
    assert found[("aiguide_outbox_oldest_age_seconds", ())] >= 0
    assert "yamada" not in await response.text()
