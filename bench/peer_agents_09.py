"""The bare Agents SDK echo bot of ../shared/bench/peer_agents.py, for the SDK this project can
install: microsoft-agents-* 1.x needs Python >= 3.12, the project (and this machine) has 3.11,
so PyPI gives 0.9.1, which has no `ConnectionManager`. The one change: a four-method
`Connections` that hands out the `AnonymousTokenProvider`, which is what the peer's
`ConnectionManager(provider_factory=lambda _cfg: AnonymousTokenProvider(), …)` does. Everything
else (jwt_authorization_middleware with anonymous auth, start_agent_process, CloudAdapter built
once, AgentApplication[TurnState] on MemoryStorage, one message route calling send_activity)
is the peer's code; --no-typing is explained below.

    python bench/peer_agents_09.py --port 9004
"""

import argparse
import logging

from aiohttp import web
from microsoft_agents.activity import ActivityTypes
from microsoft_agents.hosting.aiohttp import (
    CloudAdapter,
    jwt_authorization_middleware,
    start_agent_process,
)
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    MemoryStorage,
    MessageFactory,
    TurnContext,
    TurnState,
)


class AnonymousConnections:
    def __init__(self, configuration: AgentAuthConfiguration) -> None:
        self._configuration = configuration
        self._provider = AnonymousTokenProvider()

    def get_connection(self, connection_name):
        return self._provider

    def get_default_connection(self):
        return self._provider

    def get_token_provider(self, claims_identity, service_url):
        return self._provider

    def get_default_connection_configuration(self):
        return self._configuration


def make_app(typing: bool = True) -> web.Application:
    anon = AgentAuthConfiguration(anonymous_allowed=True)
    conn = AnonymousConnections(anon)
    agent = AgentApplication[TurnState](
        storage=MemoryStorage(), connection_manager=conn, start_typing_timer=typing
    )
    adapter = CloudAdapter(connection_manager=conn)

    @agent.activity(ActivityTypes.message)
    async def on_message(context: TurnContext, _state: TurnState):
        await context.send_activity(MessageFactory.text(f"echo: {context.activity.text}"))

    async def messages(request: web.Request) -> web.Response:
        return await start_agent_process(request, agent, adapter)

    app = web.Application(middlewares=[jwt_authorization_middleware])
    app["agent_configuration"] = anon
    app.router.add_post("/api/messages", messages)
    return app


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=9004)
    # 0.9.1 sends a typing activity at the start of every turn; 1.9 only after 500 ms, which
    # never happened in the reference runs. --no-typing gives the 1.9 peer's traffic.
    p.add_argument("--no-typing", action="store_true")
    a = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("microsoft_agents.hosting.core.connector.client.user_token_client",):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    web.run_app(
        make_app(typing=not a.no_typing), host=a.host, port=a.port, access_log=None, print=None
    )
