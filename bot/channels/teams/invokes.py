"""The answer to an invoke this bot does not implement (the manifest declares no message
extension, task module, tab or sign-in), so the Teams client shows something sensible.

Teams waits for every invoke's response and shows its own error when the status is not
200. Where the invoke has a response type that can carry a message (a task module dialog,
a message-extension result), the person is told the app does not offer it; any other name
gets 200 with that message in the Universal Actions response shape. (The SDK's own
`ActivityHandler` answers 501; a 5xx reads as a fault of the bot in monitoring, and Teams
shows an error to the person either way.)
"""

from __future__ import annotations

from http import HTTPStatus

from microsoft_agents.activity import InvokeResponse

from dialogs.catalog import Catalog

# A message extension's action command opens a dialog first: it is answered as one.
_TASK = ("task/fetch", "task/submit", "composeExtension/fetchTask")
_MESSAGE_EXTENSION = "composeExtension/"


def unsupported(name: str | None, words: Catalog) -> InvokeResponse:
    text = words.t("teams.invoke_unsupported")
    name = name or ""
    if name in _TASK:
        return InvokeResponse(status=200, body={"task": {"type": "message", "value": text}})
    if name.startswith(_MESSAGE_EXTENSION):
        body = {"composeExtension": {"type": "message", "text": text}}
        return InvokeResponse(status=200, body=body)
    body = {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text}
    return InvokeResponse(status=int(HTTPStatus.OK), body=body)
