"""`aiguide check …`: the entry decision for one question, printed for a terminal or as JSON.

The command needs only the rules, the 別表 and (with --user) one person's pre-use state, so
on a database that is up to date it reads them straight from storage: no runtime, router,
outbox or web server is imported, which keeps the command under a second (issue 14,
bench/cli_startup.py). A new, outdated or empty database takes the full start in run.py,
which migrates and loads the sample municipality first, then answers with `answer` too.
"""

from __future__ import annotations

import argparse
import json
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.cli.messages import catalog, cli_catalogs, fail, t
from dialogs.context import ASSUMED_READY, JST, DialogContext, MunicipalityFacts, PersonFacts
from dialogs.pre_use import PreUseState
from dialogs.pre_use import readiness as pre_use_readiness

if TYPE_CHECKING:
    from bot.settings import Settings
    from dialogs.catalog import Catalogs
    from storage.models import AISystem, Person


async def quick_check(settings: Settings, args: argparse.Namespace) -> int | None:
    """The answer from storage alone; None when the database needs the full start first."""
    from bot.cli.database import engine_for, reach
    from bot.services.pre_use import person_state
    from bot.services.tenants import TenantCache
    from dialogs.catalog import Catalogs
    from storage.db import session_maker, transaction
    from storage.migrate import is_current
    from storage.people import find_person
    from storage.systems import list_systems
    from storage.tenants import get_tenant, tenant_ids

    engine = engine_for(settings.database_url, settings.database_schema)
    try:
        await reach(engine, settings.database_url)
        if not await is_current(engine):
            return None
        async with transaction(session_maker(engine)) as session:
            known = await tenant_ids(session)
            wanted = getattr(args, "tenant", None)
            chosen = wanted if wanted is not None else (known[0] if len(known) == 1 else None)
            tenant = await get_tenant(session, chosen) if chosen else None
            if not known or (tenant is not None and not tenant.settings):
                return None  # the full start adds (or completes) the sample municipality
            if tenant is None:
                return _no_tenant(wanted, known)
            entry = await TenantCache().get(session, tenant.id)
            assert entry is not None  # the row was just read in this transaction
            facts = entry.facts
            systems = await list_systems(session, facts.tenant_id)
            person = await find_person(session, facts.tenant_id, args.user) if args.user else None
            state = None
            if person is not None:
                today = datetime.now(JST).date()
                state = await person_state(session, facts, person.channel, person.user_id, today)
    finally:
        await engine.dispose()
    # The command line's own catalogues serve unless the municipality overlays its wording.
    catalogs = Catalogs(settings.messages_dir) if settings.messages_dir else cli_catalogs()
    return answer(args, catalogs, facts, systems, person, state)


def _no_tenant(asked: str | None, known: list[str]) -> int:
    names = t("common.separator").join(known)
    if asked:
        return fail("cli.no_tenant", asked=asked, known=names)
    return fail("cli.several_tenants", known=names)


def answer(
    args: argparse.Namespace,
    catalogs: Catalogs,
    facts: MunicipalityFacts,
    systems: Sequence[AISystem],
    person: Person | None,
    state: PreUseState | None,
) -> int:
    """Print the decision for one question; 0 whatever the outcome (it is an answer)."""
    from bot.channels.plain import render
    from dialogs.decision import Asker, EntryQuestion, decide_entry
    from dialogs.entry_check import say, verdict_card
    from dialogs.registry import find_system

    system = find_system(systems, args.system)
    if args.user and person is None:
        return fail("cli.no_user", user=args.user)
    division = args.division or (person.division if person else None) or None
    readiness = ASSUMED_READY
    if state is not None:
        readiness = pre_use_readiness(state, datetime.now(JST).date())
    klass = unicodedata.normalize("NFKC", args.klass).strip().upper()  # 「３ａ」 is 3A
    if klass not in facts.confidentiality_classes:
        return fail("cli.bad_class", classes=", ".join(facts.confidentiality_classes))
    question = EntryQuestion(
        system=system,
        asked_name=args.system,
        klass=klass,
        personal=args.personal == "yes",
        purpose=args.purpose,
        device=args.device,
    )
    decision = decide_entry(question, Asker(division, readiness), facts, systems)
    closest = close_systems(list(systems), args.system) if system is None else []
    ctx = DialogContext(
        catalogs=catalogs,
        municipality=facts,
        person=PersonFacts(user_id=args.user or "", division=division or ""),
        locale=catalog().locale,
        systems=tuple(systems),
    )
    if args.json:
        out = {"system": system.id if system else None, **decision.to_json()}
        # Each reason as the catalogue key a program can match and the sentence a person reads.
        every = (*decision.reasons, *decision.conditions, *decision.next_steps)
        for item, reason in zip(
            out["reasons"] + out["conditions"] + out["next_steps"], every, strict=True
        ):
            item["key"] = item["message"]
            item["message"] = say(reason, ctx)
        if system is None:
            out["closest"] = closest
        print(json.dumps(out, ensure_ascii=False))
        return 0
    # The verdict for a terminal: the chat's card without its buttons.
    print(render(verdict_card(question, decision, ctx), buttons=False))
    if closest:
        print(ctx.t("entry.closest", names=ctx.t("common.separator").join(closest)))
    return 0


def close_systems(systems: list[AISystem], wanted: str) -> list[str]:
    """Every registered system whose id, name or alias contains the name asked for (or the
    reverse), then those difflib finds alike: `chatgpt` names every ChatGPT entry."""
    from dialogs.registry import closest_names, names_of

    key = unicodedata.normalize("NFKC", wanted).casefold().replace(" ", "")
    names = [
        s.name
        for s in systems
        if key
        and any(
            key in (n := unicodedata.normalize("NFKC", name).casefold().replace(" ", ""))
            or (len(n) >= 3 and n in key)
            for name in names_of(s)
        )
    ]
    for name in closest_names(systems, wanted, limit=len(systems)):
        if name not in names:
            names.append(name)
    return names
