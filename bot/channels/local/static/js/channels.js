// The shared policy-division and CAIO channels, shown as threads to the personas who are
// members of them (the server refuses them to anyone else); the others see a note saying so.
import { getJson } from "./api.js";
import { actAsSelected } from "./conversation.js";
import { renderReply } from "./replies.js";
import { $, el, formatJst, state, tenantQuery, word } from "./page.js";

const POLL_MS = 3000;
export const CHANNELS = [
  { key: "policy", paneId: "channel-policy", titleId: "policy-title", word: "policy_channel" },
  { key: "caio", paneId: "channel-caio", titleId: "caio-title", word: "caio_channel" },
];
const shown = new Map(); // channel key -> the JSON last rendered (re-render only on change)
let timer = null;

/**
 * A button in a post acts as whoever is selected (e.g. the admin acknowledging). Only that
 * button waits while its turn is on the way; then the channels are read again at once, and
 * a post the press changed comes back rewritten. A button still there afterwards was not
 * made obsolete by the press (a refused press, a request for more information) and is
 * given back.
 */
async function pressInPost(payload, label, button) {
  await actAsSelected(payload, label);
  await refresh();
  if (button && button.isConnected) button.disabled = false;
}

function renderPost(post, className) {
  const node = el("div", className);
  const time = el("time", "post-time", formatJst(post.at));
  time.dateTime = String(post.at ?? "");
  node.append(time);
  let pressed = null;
  node.addEventListener("click", (event) => {
    pressed = event.target.closest("button");
  }, true);
  const act = (payload, label) => pressInPost(payload, label, pressed);
  const body = renderReply(post.body, act, `post:${post.id}`);
  if (body) node.append(body);
  return node;
}

function renderThread(thread) {
  const node = el("article", "thread");
  node.append(renderPost(thread, "post"));
  const replies = Array.isArray(thread.replies) ? thread.replies : [];
  if (replies.length) {
    node.append(el("p", "reply-count", word("reply_count", { count: replies.length })));
    const list = el("div", "thread-replies");
    list.append(...replies.map((reply) => renderPost(reply, "post post-reply")));
    node.append(list);
  }
  return node;
}

function renderChannel(pane, threads) {
  if (!threads.length) {
    pane.replaceChildren(el("p", "channel-empty", word("empty_channel")));
    return;
  }
  pane.replaceChildren(...threads.map(renderThread));
}

/** Show or hide the panes for the selected persona (its membership comes from the server). */
export function applyMembership() {
  // null: not known yet (a persona just picked), so neither the panes nor the note.
  const known = Array.isArray(state.channels);
  const member = (key) => known && state.channels.includes(key);
  const any = CHANNELS.some((channel) => member(channel.key));
  $("side").classList.toggle("not-member", !any);
  $("members-only").hidden = any || !known;
  $("members-only").textContent = word("members_only");
  for (const channel of CHANNELS) {
    $(channel.paneId).closest(".pane-channel").hidden = !member(channel.key);
    if (!member(channel.key)) {
      $(channel.paneId).replaceChildren();
      shown.delete(channel.key);
    }
  }
  refresh();
}

async function readChannel(channel) {
  const persona = encodeURIComponent(state.persona || "");
  const data = await getJson(`/api/channels/${channel.key}?${tenantQuery()}&persona=${persona}`);
  const text = JSON.stringify(data.threads);
  // Re-render only on change: re-rendering resets buttons and the reader's scroll.
  if (text !== shown.get(channel.key)) {
    renderChannel($(channel.paneId), Array.isArray(data.threads) ? data.threads : []);
    shown.set(channel.key, text);
  }
}

async function readAll() {
  const asked = state.persona;
  for (const channel of CHANNELS) {
    if (!Array.isArray(state.channels) || !state.channels.includes(channel.key)) continue;
    try {
      await readChannel(channel);
    } catch (error) {
      // Keep showing the last good state; the next poll tries again.
      console.warn("channel poll failed", channel.key, error);
    }
    if (asked !== state.persona) return; // switched meanwhile: read again for the new one
  }
}

let running = null;
let again = false;

/** Read the channels the selected persona sees, now; then every few seconds. One reading at
 * a time: asked during one, another follows it (a timeout after each, so none pile up). */
export function refresh() {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    clearTimeout(timer);
    do {
      again = false;
      await readAll();
    } while (again);
    running = null;
    timer = setTimeout(refresh, POLL_MS);
  })();
  return running;
}

export function applyChannelWords() {
  for (const channel of CHANNELS) $(channel.titleId).textContent = word(channel.word);
  $("members-only").textContent = word("members_only");
  // Posts re-render in the new language's words (their reply counts, the empty state).
  shown.clear();
}
