// Buttons, and what pressing one disables.
import { el } from "./page.js";

const BUTTON_STYLES = new Set(["default", "primary", "danger"]);

export function makeButton(spec, type) {
  const style = BUTTON_STYLES.has(spec.style) ? spec.style : "default";
  const button = el("button", `btn btn-${style}`, spec.label ?? "");
  button.type = type;
  button.dataset.action = String(spec.id ?? "");
  return button;
}

export function renderButtons(buttons, act) {
  const row = el("div", "buttons");
  for (const spec of Array.isArray(buttons) ? buttons : []) {
    const button = makeButton(spec, "button");
    button.addEventListener("click", () => {
      disableReply(button);
      act({ action: spec.id }, spec.label);
    });
    row.append(button);
  }
  return row;
}

/**
 * What a press disables. In the conversation, the whole prompt holding `node`: it has been
 * answered (older prompts stay usable on purpose; the server answers a stale press politely).
 * In a shared channel's post, only the button pressed, while its turn is on the way: the post
 * is everyone's, and the server says which of its buttons the press made obsolete by
 * rewriting it (channels.js gives the button back otherwise).
 */
export function disableReply(node) {
  if (node.closest(".channel")) {
    node.disabled = true;
    return;
  }
  const reply = node.closest(".reply") || node;
  for (const control of reply.querySelectorAll("button, input, select, textarea")) {
    control.disabled = true;
  }
  // The conversation's history remembers it (a reload shows it answered).
  reply.dispatchEvent(new CustomEvent("reply-answered", { bubbles: true }));
}
