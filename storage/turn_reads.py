"""Everything a turn reads, in one query: the tenant's revision (which its cached settings are
checked against), the conversation, the person, their roles, their latest pre-use
confirmation and training record, and stamps that tell whether the cached 別表 and guideline
versions are still current.

The 別表 and the versions change rarely and are read on every turn, so they are kept per
tenant and read again only when their stamp changes: (number of rows, newest `updated_at`)
for the 別表, (number of rows, highest `seq`) for the versions. The stamps are read in the
same query as the rest, so another replica's change is seen on the very next turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.conversations import ConversationKey, StoredConversation
from storage.db import TurnUnit
from storage.guideline import list_versions
from storage.hot_sql import HotStatement, fetch_one_hot
from storage.models import (
    AISystem,
    Confirmation,
    ConversationState,
    GuidelineVersion,
    Person,
    RoleGrant,
    Tenant,
    TrainingRecord,
)
from storage.systems import list_systems

_person = Person.__table__  # type: ignore[attr-defined]
_conv = ConversationState.__table__  # type: ignore[attr-defined]
_conf = Confirmation.__table__  # type: ignore[attr-defined]
_training = TrainingRecord.__table__  # type: ignore[attr-defined]
_roles = RoleGrant.__table__  # type: ignore[attr-defined]
_systems = AISystem.__table__  # type: ignore[attr-defined]
_versions = GuidelineVersion.__table__  # type: ignore[attr-defined]
_tenant = Tenant.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class TurnReads:
    conversation: StoredConversation
    person: Person | None  # None: first seen now
    roles: frozenset[str]
    confirmation: Confirmation | None  # the latest one
    training: TrainingRecord | None
    systems: tuple[AISystem, ...]
    versions: tuple[GuidelineVersion, ...]
    # The tenant's revision (what its cached settings are checked against); None: no such
    # tenant, and nothing else was read.
    revision: int | None = None


_PARAMS = ("tenant", "channel", "user", "conversation")


def _statement(dialect: str) -> Select[Any]:
    tenant, channel, user = bindparam("tenant"), bindparam("channel"), bindparam("user")
    conversation = bindparam("conversation")
    own_conf = and_(_conf.c.tenant_id == tenant, _conf.c.channel == channel)
    latest_seq = (
        select(func.max(_conf.c.guideline_seq))
        .where(own_conf, _conf.c.user_id == user)
        .scalar_subquery()
    )
    aggregate = func.string_agg if dialect == "postgresql" else func.group_concat
    roles = (
        select(aggregate(_roles.c.role, ","))
        .where(_roles.c.tenant_id == tenant, _roles.c.channel == channel, _roles.c.user_id == user)
        .scalar_subquery()
    )

    def stamp(name: str, table: Any, *columns: Any) -> tuple[Any, ...]:
        """`name_0` the tenant's rows, `name_1`… the newest of each column."""
        of_tenant = table.c.tenant_id == tenant
        parts = (
            select(func.count()).select_from(table).where(of_tenant).scalar_subquery(),
            *(select(func.max(c)).where(of_tenant).scalar_subquery() for c in columns),
        )
        return tuple(part.label(f"{name}_{i}") for i, part in enumerate(parts))

    joined = (
        _tenant.outerjoin(
            _conv,
            and_(
                _conv.c.tenant_id == _tenant.c.id,
                _conv.c.channel == channel,
                _conv.c.user_id == user,
                _conv.c.conversation_id == conversation,
            ),
        )
        .outerjoin(
            _person,
            and_(
                _person.c.tenant_id == _tenant.c.id,
                _person.c.channel == channel,
                _person.c.user_id == user,
            ),
        )
        .outerjoin(
            _conf,
            and_(
                _conf.c.tenant_id == _tenant.c.id,
                _conf.c.channel == channel,
                _conf.c.user_id == user,
                _conf.c.guideline_seq == latest_seq,
            ),
        )
        .outerjoin(
            _training, and_(_training.c.tenant_id == _tenant.c.id, _training.c.person == user)
        )
    )
    return (
        select(
            _conv.c.data,
            _conv.c.version,
            _person.c.user_id.label("person_user_id"),
            _person.c.display_name,
            _person.c.division,
            _person.c.contact,
            _person.c.email,
            _person.c.staff_number,
            _person.c.locale,
            _person.c.created_at,
            _person.c.updated_at,
            _conf.c.guideline_seq,
            _conf.c.training_completed_on,
            _conf.c["items"],
            _conf.c.confirmed_at,
            _training.c.person.label("training_person"),
            _training.c.name.label("training_name"),
            _training.c.division.label("training_division"),
            _training.c.completed_on,
            _training.c.imported_at,
            roles.label("roles"),
            _tenant.c.revision.label("tenant_revision"),
            *stamp("systems", _systems, _systems.c.updated_at),
            # A version's 施行日 moved (or a new one) changes the stamp too.
            *stamp("versions", _versions, _versions.c.seq, _versions.c.effective_on),
        )
        .select_from(joined)
        .where(_tenant.c.id == tenant)
    )


class TurnReader:
    """Reads what a turn needs; keeps each tenant's 別表 and versions while their stamp holds."""

    def __init__(self) -> None:
        self._statements: dict[str, HotStatement] = {}
        self._systems: dict[str, tuple[Any, tuple[AISystem, ...]]] = {}
        self._versions: dict[str, tuple[Any, tuple[GuidelineVersion, ...]]] = {}

    async def read(self, unit: TurnUnit | AsyncSession, key: ConversationKey) -> TurnReads:
        """With a turn's unit, an ORM session is made only to reload the 別表 or versions."""
        if isinstance(unit, TurnUnit):
            connection: AsyncConnection = unit.connection
        else:
            connection = await unit.connection()
        dialect = connection.dialect.name
        statement = self._statements.get(dialect)
        if statement is None:
            statement = self._statements[dialect] = HotStatement(_statement(dialect), _PARAMS)
        params = {
            "tenant": key.tenant_id,
            "channel": key.channel,
            "user": key.user_id,
            "conversation": key.conversation_id,
        }
        m = await fetch_one_hot(connection, statement, params)
        if m is None:  # an unknown tenant: nothing stored, nothing to read
            return TurnReads(StoredConversation({}, 0), None, frozenset(), None, None, (), ())
        systems_stamp = (m["systems_0"], m["systems_1"])
        versions_stamp = (m["versions_0"], m["versions_1"], m["versions_2"])
        systems = await self._current(
            self._systems, key.tenant_id, systems_stamp, unit, list_systems
        )
        versions = await self._current(
            self._versions, key.tenant_id, versions_stamp, unit, list_versions
        )
        return TurnReads(
            conversation=StoredConversation(
                dict(m["data"]) if m["version"] is not None else {}, m["version"] or 0
            ),
            person=_person_of(m, key),
            roles=frozenset(m["roles"].split(",")) if m["roles"] else frozenset(),
            confirmation=_confirmation_of(m, key),
            training=_training_of(m, key),
            systems=systems,
            versions=versions,
            revision=m["tenant_revision"],
        )

    @staticmethod
    async def _current(
        cache: dict[str, tuple[Any, tuple[Any, ...]]],
        tenant_id: str,
        stamp: Any,
        unit: TurnUnit | AsyncSession,
        load: Any,
    ) -> tuple[Any, ...]:
        held = cache.get(tenant_id)
        if held is not None and held[0] == stamp:
            return held[1]
        session = unit.session if isinstance(unit, TurnUnit) else unit
        rows: Sequence[Any] = await load(session, tenant_id)
        for row in rows:  # kept loaded after the session ends (a rollback would expire them)
            session.expunge(row)
        cache[tenant_id] = (stamp, tuple(rows))
        return cache[tenant_id][1]


# The rows below are built with `model_construct`: they come from the database, so there is
# nothing to validate, and a table model's __init__ costs ten times as much CPU.


def _person_of(m: Any, key: ConversationKey) -> Person | None:
    if m["person_user_id"] is None:
        return None
    return Person.model_construct(
        tenant_id=key.tenant_id,
        channel=key.channel,
        user_id=key.user_id,
        display_name=m["display_name"],
        division=m["division"],
        contact=m["contact"],
        email=m["email"],
        staff_number=m["staff_number"],
        locale=m["locale"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def _confirmation_of(m: Any, key: ConversationKey) -> Confirmation | None:
    if m["guideline_seq"] is None:
        return None
    return Confirmation.model_construct(
        tenant_id=key.tenant_id,
        channel=key.channel,
        user_id=key.user_id,
        guideline_seq=m["guideline_seq"],
        training_completed_on=m["training_completed_on"],
        items=list(m["items"]),
        confirmed_at=m["confirmed_at"],
    )


def _training_of(m: Any, key: ConversationKey) -> TrainingRecord | None:
    if m["training_person"] is None:
        return None
    return TrainingRecord.model_construct(
        tenant_id=key.tenant_id,
        person=m["training_person"],
        email="",
        name=m["training_name"],
        division=m["training_division"],
        completed_on=m["completed_on"],
        imported_at=m["imported_at"],
    )
