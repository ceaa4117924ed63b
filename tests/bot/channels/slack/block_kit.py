"""Block Kit's limits as Slack enforces them: the fake Web API refuses what breaks one, the
way Slack answers `invalid_blocks`, so every transcript checks every message it produces."""

from __future__ import annotations

from typing import Any

LIMITS = {
    "message_blocks": 50,
    "modal_blocks": 100,
    "section_text": 3000,
    "fields": 10,
    "field_text": 2000,
    "button_text": 75,
    "actions_elements": 25,
    "options": 100,
    "option_text": 75,
    "option_value": 150,
    "value": 2000,
    "header": 150,
    "modal_title": 24,
    "action_id": 255,
    "block_id": 255,
    "label": 2000,
    "context_elements": 10,
}


def problems(blocks: list[dict[str, Any]], *, surface: str = "message") -> list[str]:
    found: list[str] = []
    most = LIMITS["modal_blocks"] if surface in ("modal", "home") else LIMITS["message_blocks"]
    if len(blocks) > most:
        found.append(f"{len(blocks)} blocks > {most}")
    action_ids: set[str] = set()
    for block in blocks:
        kind = block.get("type")
        if kind == "section":
            if "text" in block and len(block["text"]["text"]) > LIMITS["section_text"]:
                found.append("section text too long")
            if "text" in block and not block["text"]["text"]:
                found.append("empty section text")
            fields = block.get("fields", [])
            if len(fields) > LIMITS["fields"]:
                found.append(f"{len(fields)} fields")
            found += [
                "field text too long" for f in fields if len(f["text"]) > LIMITS["field_text"]
            ]
        elif kind == "header":
            if len(block["text"]["text"]) > LIMITS["header"]:
                found.append("header too long")
        elif kind == "actions":
            elements = block["elements"]
            if len(elements) > LIMITS["actions_elements"]:
                found.append(f"{len(elements)} elements in actions")
            for element in elements:
                found += _element(element, action_ids)
        elif kind == "context":
            if len(block["elements"]) > LIMITS["context_elements"]:
                found.append("context too long")
        elif kind == "input":
            if len(block["label"]["text"]) > LIMITS["label"]:
                found.append("label too long")
            found += _element(block["element"], set())
        if len(block.get("block_id", "")) > LIMITS["block_id"]:
            found.append("block_id too long")
    return found


def _element(element: dict[str, Any], action_ids: set[str]) -> list[str]:
    found = []
    action_id = element.get("action_id", "")
    if len(action_id) > LIMITS["action_id"]:
        found.append("action_id too long")
    if action_id in action_ids:
        found.append(f"duplicate action_id {action_id}")
    action_ids.add(action_id)
    if element["type"] == "button":
        if len(element["text"]["text"]) > LIMITS["button_text"]:
            found.append("button text too long")
        if len(element.get("value", "")) > LIMITS["value"]:
            found.append("button value too long")
    if element["type"] == "static_select":
        options = element.get("options", [])
        if len(options) > LIMITS["options"]:
            found.append(f"{len(options)} options")
        for option in options:
            if len(option["text"]["text"]) > LIMITS["option_text"]:
                found.append("option text too long")
            if len(option["value"]) > LIMITS["option_value"]:
                found.append("option value too long")
    return found


def view_problems(view: dict[str, Any]) -> list[str]:
    found = problems(view.get("blocks", []), surface=view.get("type", "modal"))
    for key in ("title", "submit", "close"):
        if key in view and len(view[key]["text"]) > LIMITS["modal_title"]:
            found.append(f"modal {key} too long")
    if len(view.get("private_metadata", "")) > 3000:
        found.append("private_metadata too long")
    return found
