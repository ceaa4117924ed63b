"""`GET /metrics` in the Prometheus text format (prometheus-client).

Counters are kept in the process (turns, errors); what lives in the database — the outbox
backlog and the age of its oldest message, reminders overdue, reports by status — is read
when scraped, so every replica reports the same backlog and a restart loses nothing. Labels
are channel kinds, tenant ids and outcomes: never a person's id or anything they typed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlmodel import col

from storage.db import transaction
from storage.models import OutboxMessage, Reminder, RiskReport, utcnow


@dataclass
class Snapshot:
    """What the database says at scrape time."""

    backlog: dict[tuple[str, str], int] = field(default_factory=dict)  # (tenant, channel)
    oldest_age: float = 0.0
    reminders_overdue: int = 0
    reminder_lag: float = 0.0
    reports: dict[tuple[str, str], int] = field(default_factory=dict)  # (tenant, status)


class _Database(Collector):
    def __init__(self) -> None:
        self.snapshot = Snapshot()

    def collect(self) -> Iterator[Metric]:
        snap = self.snapshot
        backlog = GaugeMetricFamily(
            "aiguide_outbox_backlog", "Messages not yet delivered", labels=["tenant", "channel"]
        )
        for (tenant, channel), count in sorted(snap.backlog.items()):
            backlog.add_metric([tenant, channel], count)
        yield backlog
        yield GaugeMetricFamily(
            "aiguide_outbox_oldest_age_seconds",
            "Age of the oldest undelivered message",
            value=snap.oldest_age,
        )
        yield GaugeMetricFamily(
            "aiguide_reminders_overdue", "Reminders due and not sent", value=snap.reminders_overdue
        )
        yield GaugeMetricFamily(
            "aiguide_reminder_lag_seconds",
            "How long the most overdue reminder has waited past its due time",
            value=snap.reminder_lag,
        )
        reports = GaugeMetricFamily(
            "aiguide_reports", "Risk-case reports by status", labels=["tenant", "status"]
        )
        for (tenant, status), count in sorted(snap.reports.items()):
            reports.add_metric([tenant, status], count)
        yield reports


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.turns = Counter(
            "aiguide_turns", "Turns handled", ["channel", "tenant"], registry=self.registry
        )
        self.errors = Counter(
            "aiguide_turn_errors", "Turns that failed", ["channel"], registry=self.registry
        )
        self.dead = Counter(
            "aiguide_outbox_dead",
            "Messages that stopped retrying",
            ["channel"],
            registry=self.registry,
        )
        self._database = _Database()
        self.registry.register(self._database)

    async def refresh(self, sessions: object, now: datetime | None = None) -> None:
        now = now or utcnow()
        snap = Snapshot()
        async with transaction(sessions) as session:  # type: ignore[arg-type]
            pending = col(OutboxMessage.sent_at).is_(None)
            rows = await session.exec(
                select(OutboxMessage.tenant_id, OutboxMessage.channel, func.count())  # type: ignore[call-overload]
                .where(pending)
                .group_by(OutboxMessage.tenant_id, OutboxMessage.channel)
            )
            snap.backlog = {(t, c): int(n) for t, c, n in rows.all()}
            first = select(func.min(OutboxMessage.created_at)).where(pending)
            oldest = _scalar((await session.exec(first)).one())  # type: ignore[call-overload]
            snap.oldest_age = _age(oldest, now)
            overdue = (col(Reminder.sent_at).is_(None), col(Reminder.due_at) <= now)
            count, due = (
                await session.exec(
                    select(func.count(), func.min(Reminder.due_at)).where(*overdue)  # type: ignore[call-overload]
                )
            ).one()
            snap.reminders_overdue, snap.reminder_lag = int(count), _age(due, now)
            rows = await session.exec(
                select(RiskReport.tenant_id, RiskReport.status, func.count()).group_by(  # type: ignore[call-overload]
                    RiskReport.tenant_id, RiskReport.status
                )
            )
            snap.reports = {(t, s): int(n) for t, s, n in rows.all()}
        self._database.snapshot = snap

    def text(self) -> bytes:
        return generate_latest(self.registry)


def _scalar(row: object) -> object:
    """A one-column aggregate, whether the session gives it back bare or as a row."""
    if isinstance(row, Sequence) and not isinstance(row, str):
        return row[0]
    return row


def _age(moment: object, now: datetime) -> float:
    if moment is None:
        return 0.0
    if isinstance(moment, str):  # SQLite gives an aggregate of a time column back as text
        moment = datetime.fromisoformat(moment)
    if not isinstance(moment, datetime):
        return 0.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=now.tzinfo)
    return max(0.0, (now - moment).total_seconds())


def metrics_handler(metrics: Metrics, sessions: object) -> web.RequestHandler:  # type: ignore[type-arg]
    async def handle(request: web.Request) -> web.Response:
        await metrics.refresh(sessions)
        return web.Response(body=metrics.text(), content_type="text/plain", charset="utf-8")

    return handle
