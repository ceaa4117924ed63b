// The selected persona's home (read-only), shown over the conversation on request; its
// actions go to that persona's conversation.
import { getJson } from "./api.js";
import { sendTurn } from "./conversation.js";
import { renderReply } from "./replies.js";
import { $, el, state, tenantQuery, word } from "./page.js";

export function closeHome() {
  $("home-panel").hidden = true;
  $("home-panel").replaceChildren();
  $("home-button").setAttribute("aria-expanded", "false");
  $("home-button").textContent = word("home");
}

async function openHome() {
  const personaId = state.persona;
  if (!personaId) return;
  const panel = $("home-panel");
  try {
    const query = `?locale=${encodeURIComponent(state.locale)}&${tenantQuery()}`;
    const view = await getJson(`/api/home/${encodeURIComponent(personaId)}${query}`);
    const act = (payload, label) => {
      closeHome();
      sendTurn(personaId, payload, label);
    };
    const body = renderReply(view, act);
    if (personaId !== state.persona) return; // switched while it loaded
    panel.replaceChildren(...(body ? [body] : []));
  } catch (error) {
    console.error("home failed", error);
    panel.replaceChildren(el("p", "text", word("error")));
  }
  panel.hidden = false;
  $("home-button").setAttribute("aria-expanded", "true");
  $("home-button").textContent = word("home_close");
}

export function toggleHome() {
  if ($("home-panel").hidden) openHome();
  else closeHome();
}
