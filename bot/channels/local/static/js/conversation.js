// Each persona's conversation: the transcript, the turns (one at a time, in order), the bot's
// own messages (the inbox), and the history a reload shows again.
import { getJson, postTurn } from "./api.js";
import * as history from "./history.js";
import { renderReply } from "./replies.js";
import { $, el, newEventId, nextId, state, tenantQuery, word } from "./page.js";

const POLL_MS = 3000;

// personaId -> { transcript, entries, inbox, queue, started }. A transcript element is kept
// (detached) while another persona is selected, so switching back shows it again and late
// replies still land in the right one. `entries` is what history.js keeps:
// { who: "person", text } | { who: "bot", replies: [{ ref, reply, done }] } | { who: "note", text }.
const people = new Map();
let onStanding = () => {};

/** Told, after each turn, the persona's language and the shared channels they see. */
export function whenStandingChanges(handler) {
  onStanding = handler;
}

function recordOf(personaId) {
  let record = people.get(personaId);
  if (!record) {
    const transcript = el("div", "transcript-body");
    transcript.dataset.persona = personaId;
    record = { transcript, entries: [], inbox: null, queue: Promise.resolve(), started: false };
    transcript.addEventListener("reply-answered", (event) => markAnswered(record, event.target));
    people.set(personaId, record);
  }
  return record;
}

function save(personaId) {
  const record = recordOf(personaId);
  history.save(personaId, record.entries, record.inbox);
}

function scrollToEnd() {
  const pane = $("conversation");
  pane.scrollTop = pane.scrollHeight;
}

function appendTo(personaId, node) {
  recordOf(personaId).transcript.append(node);
  if (personaId === state.persona) scrollToEnd();
}

// ---- bubbles -------------------------------------------------------------------------------

function personBubble(text) {
  const node = el("div", "msg msg-person");
  node.append(el("div", "msg-who", word("you")), el("p", "bubble text", text));
  return node;
}

function noteBubble(text) {
  const node = el("p", "msg-note", text);
  node.setAttribute("role", "note");
  return node;
}

function errorBubble() {
  const node = el("div", "msg msg-bot msg-error");
  node.append(el("div", "msg-who", word("bot")), el("p", "bubble text", word("error")));
  node.setAttribute("role", "alert");
  return node;
}

function pendingBubble() {
  // Three animated dots while the bot thinks; decoration only, so hidden from screen readers.
  const node = el("div", "msg msg-bot msg-pending");
  node.setAttribute("aria-hidden", "true");
  const dots = el("div", "bubble dots");
  dots.append(el("span"), el("span"), el("span"));
  node.append(dots);
  return node;
}

/** One reply of the bot as shown (and as restored): its reference kept, answered or not. */
function renderItem(personaId, item) {
  const act = (payload, label) => sendTurn(personaId, payload, label);
  const body = renderReply(item.reply, act, item.ref);
  if (!body) return null;
  body.classList.add("bubble");
  if (item.reply && typeof item.reply.replaces === "string") body.classList.add("replaced");
  if (item.done) {
    for (const control of body.querySelectorAll("button, input, select, textarea")) {
      control.disabled = true;
    }
  }
  return body;
}

function botGroup(personaId, items) {
  const node = el("div", "msg msg-bot");
  node.append(el("div", "msg-who", word("bot")));
  for (const item of items) {
    const body = renderItem(personaId, item);
    if (body) node.append(body);
  }
  return node.querySelector(".reply") ? node : null;
}

function findItem(record, ref) {
  for (const entry of record.entries) {
    if (entry.who !== "bot") continue;
    const item = entry.replies.find((candidate) => candidate.ref === ref);
    if (item) return item;
  }
  return null;
}

function markAnswered(record, node) {
  const item = findItem(record, node.dataset.ref);
  if (!item) return;
  item.done = true;
  save(record.transcript.dataset.persona);
}

/**
 * A reply that replaces one already shown takes its place (same reference, so it can be
 * replaced again); its old buttons are gone with it. False when that reply is not here.
 */
function replaceShown(personaId, reply) {
  if (!reply || typeof reply.replaces !== "string") return false;
  const record = recordOf(personaId);
  const old = Array.from(record.transcript.querySelectorAll("[data-ref]")).find(
    (node) => node.dataset.ref === reply.replaces,
  );
  if (!old) return false;
  const item = findItem(record, reply.replaces) || { ref: reply.replaces };
  item.reply = reply;
  item.done = false;
  const body = renderItem(personaId, item);
  if (!body) return false;
  old.replaceWith(body);
  return true;
}

/** The bot's replies, in the order the server gave them, as one group. */
function showReplies(personaId, replies) {
  const items = [];
  for (const reply of replies) {
    if (replaceShown(personaId, reply)) continue;
    items.push({ ref: nextId("reply"), reply });
  }
  const group = items.length ? botGroup(personaId, items) : null;
  if (group) {
    appendTo(personaId, group);
    recordOf(personaId).entries.push({ who: "bot", replies: items });
  }
  save(personaId);
}

// ---- turns -----------------------------------------------------------------------------------

/**
 * Send one action of `personaId`: text, a button press or a form. `echo` (the text, or the
 * button's label) is shown at once as the person's message; null shows nothing. `typed`: the
 * echo is what the person typed, kept in the history only as the server masked it.
 */
export function sendTurn(personaId, payload, echo, typed = false) {
  const record = recordOf(personaId);
  let entry = null;
  if (echo !== null && echo !== undefined) {
    appendTo(personaId, personBubble(echo));
    entry = { who: "person", text: typed ? null : String(echo) };
    record.entries.push(entry);
  }
  // The event id is made once per action, before any retry, so the server can deduplicate.
  const body = { tenant: state.tenant, persona: personaId, ...payload, page: true };
  body.event_id = newEventId();
  // One promise chain per persona keeps its turns in order: the bot answers one at a time.
  record.queue = record.queue.then(() => deliver(personaId, body, entry));
  return record.queue;
}

async function deliver(personaId, body, entry) {
  const pending = pendingBubble();
  appendTo(personaId, pending);
  let answer = null;
  try {
    answer = await postTurn(body);
  } catch (error) {
    console.error("turn failed", error);
  } finally {
    pending.remove();
  }
  if (!answer) {
    appendTo(personaId, errorBubble());
    return;
  }
  if (entry && entry.text === null) entry.text = typeof answer.said === "string" ? answer.said : "";
  if (typeof answer.locale === "string") onStanding(personaId, answer.locale, answer.channels);
  showReplies(personaId, answer.replies);
}

// ---- the bot's own messages ----------------------------------------------------------------

function showNotices(personaId, posts, heading) {
  if (!posts.length) return;
  const record = recordOf(personaId);
  if (heading) {
    const text = word("arrived", { count: posts.length });
    appendTo(personaId, noteBubble(text));
    record.entries.push({ who: "note", text });
  }
  showReplies(personaId, posts.map((post) => post.body));
}

async function fetchInbox(personaId, since) {
  const record = recordOf(personaId);
  const from = record.inbox === null ? `&since=${since}` : `&after=${record.inbox}`;
  const url = `/api/inbox/${encodeURIComponent(personaId)}?${tenantQuery()}${from}`;
  const data = await getJson(url);
  if (typeof data.last === "number") record.inbox = data.last;
  return Array.isArray(data.posts) ? data.posts : [];
}

/**
 * Messages the bot sends on its own (a new guideline version, a reminder, a report's
 * acknowledgement) arrive in the persona's inbox and are shown as they come.
 */
function pollInbox(personaId) {
  const tick = async () => {
    try {
      showNotices(personaId, await fetchInbox(personaId, "last_turn"), false);
      save(personaId);
    } catch (error) {
      console.warn("inbox poll failed", personaId, error);
    }
    setTimeout(tick, POLL_MS);
  };
  setTimeout(tick, POLL_MS);
}

function restore(personaId, saved) {
  const record = recordOf(personaId);
  record.entries = saved.entries;
  record.inbox = saved.inbox;
  for (const entry of record.entries) {
    let node = null;
    if (entry.who === "person") node = personBubble(entry.text ?? "");
    else if (entry.who === "note") node = noteBubble(entry.text ?? "");
    else if (entry.who === "bot" && Array.isArray(entry.replies)) {
      node = botGroup(personaId, entry.replies);
    }
    if (node) appendTo(personaId, node);
  }
}

/**
 * The first time a persona is shown in this tab: their recent history if the tab had one, and
 * what arrived since (while the page was closed). Afresh, what arrived since they last spoke,
 * then the bot's menu, as if its menu button had been pressed (nothing said on their behalf).
 */
async function begin(personaId) {
  const saved = history.load(personaId);
  if (saved && saved.entries.length) restore(personaId, saved);
  try {
    showNotices(personaId, await fetchInbox(personaId, "last_turn"), true);
  } catch (error) {
    console.warn("inbox failed", personaId, error);
  }
  if (!saved || !saved.entries.length) sendTurn(personaId, { action: "menu:menu" }, null);
  save(personaId);
  pollInbox(personaId);
}

export function showPersona(personaId) {
  state.persona = personaId;
  history.rememberPersona(personaId);
  const record = recordOf(personaId);
  $("conversation").replaceChildren(record.transcript);
  scrollToEnd();
  if (!record.started) {
    record.started = true;
    begin(personaId);
  }
}

/** Act as whoever is selected now (a button in a shared channel's post). */
export function actAsSelected(payload, label) {
  return state.persona ? sendTurn(state.persona, payload, label) : Promise.resolve();
}
