// aiguide — the local web chat. Plain ES2020, no build step, nothing loaded from the internet.
//
// Every user-visible word comes from GET /api/setup (the server's message catalogue), so this
// file holds no UI text of its own.
//
// Security: every string from the server reaches the page through textContent, new Option() or
// a property/attribute set on an element made with createElement. Nothing is parsed as HTML
// (no innerHTML, no eval), so a message that looks like markup is shown literally, never run.
"use strict";

(() => {
  const POLL_MS = 3000;
  const NETWORK_RETRIES = 2; // extra attempts after the first, on network errors only
  const BUTTON_STYLES = new Set(["default", "primary", "danger"]);
  const TONES = new Set(["info", "ok", "warn", "bad"]);
  // More answers than this are one select menu rather than a row of buttons (the menu's ten
  // items stay buttons; forty divisions do not).
  const SELECT_FROM = 16; // more answers than this are one select (the menu, up to 14, stays buttons)
  const LINK_PROTOCOLS = new Set(["http:", "https:"]);
  const MULTI_SEPARATOR = ",";
  const CHANNELS = [
    { key: "policy", paneId: "channel-policy", titleId: "policy-title", word: "policy_channel" },
    { key: "caio", paneId: "channel-caio", titleId: "caio-title", word: "caio_channel" },
  ];

  const query = new URLSearchParams(window.location.search);
  const locale = query.get("locale") || "ja";
  // The municipality picked on the page (several can share one deployment); the server
  // answers with the one it chose when none is picked.
  let tenant = query.get("tenant") || "";
  const tenantQuery = () => `tenant=${encodeURIComponent(tenant)}`;

  const state = {
    words: {},
    persona: null, // the selected persona id
    // Each persona has its own conversation. Its transcript element is kept (detached) while
    // another persona is selected, so switching back shows it again and late replies still land
    // in the right transcript.
    transcripts: new Map(),
    started: new Set(), // personas whose menu was already requested
    // One promise chain per persona keeps its turns in order: the bot answers one turn at a time.
    queues: new Map(),
  };

  let idCounter = 0;

  // ---- small helpers --------------------------------------------------------------------

  const $ = (id) => document.getElementById(id);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function nextId(prefix) {
    idCounter += 1;
    return `${prefix}-${idCounter}`;
  }

  /** An element with an optional class and text (always set as text, never as HTML). */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** A catalogue word with `{name}` placeholders filled in. */
  function word(key, vars = {}) {
    const template = String(state.words[key] ?? "");
    return template.replace(/\{(\w+)\}/g, (whole, name) =>
      Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole,
    );
  }

  function newEventId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // randomUUID needs a secure context; getRandomValues does not. Build a version-4 UUID.
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    const cuts = [0, 8, 12, 16, 20, 32];
    return cuts.slice(1).map((end, i) => hex.slice(cuts[i], end)).join("-");
  }

  // Parts rather than a formatted string, so the shape ("11/28 14:00") does not depend on the
  // browser's locale data. The locale tag only picks digits; no words come out of it.
  const JST = new Intl.DateTimeFormat("en-US", {
    timeZone: "Asia/Tokyo",
    month: "numeric",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });

  function formatJst(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return String(iso ?? "");
    const part = Object.fromEntries(JST.formatToParts(date).map((p) => [p.type, p.value]));
    return `${part.month}/${part.day} ${part.hour}:${part.minute}`;
  }

  // ---- replies ---------------------------------------------------------------------------
  //
  // Each renderer gets the reply and `act(payload, label)`, which sends a button press or a
  // form submission on behalf of some persona and shows `label` as that person's message.
  // Every rendered reply has a reference (data-ref) that a press sends along as `message`, so
  // the bot can answer with a reply that `replaces` it (an answered question becomes a line).

  const RENDERERS = {
    text: renderText,
    choices: renderChoices,
    card: renderCard,
    form: renderForm,
    home: renderHome,
  };

  /** One reply as an element, or null. Never throws: a bad reply must not break the page. */
  function renderReply(reply, act, ref) {
    if (typeof reply === "string") return renderText({ text: reply });
    if (!reply || typeof reply !== "object") return null;
    const render = RENDERERS[reply.type];
    const own = ref || nextId("reply");
    // Presses name the reply they came from.
    const actFrom = (payload, label) => act({ ...payload, message: own }, label);
    let node;
    try {
      node = render ? render(reply, actFrom) : renderUnknown(reply);
    } catch (error) {
      console.error("could not render reply", reply, error);
      node = renderUnknown(reply);
    }
    if (!node) return null;
    node.dataset.ref = own;
    if (reply.private === true) {
      node.classList.add("reply-private");
      const tag = el("p", "private-tag", word("private"));
      node.prepend(tag);
    }
    return node;
  }

  function renderUnknown(reply) {
    const text = typeof reply.text === "string" ? reply.text : reply.title;
    return typeof text === "string" && text ? renderText({ text }) : null;
  }

  function renderText(reply) {
    const node = el("div", "reply reply-text");
    node.append(el("p", "text", reply.text ?? ""));
    return node;
  }

  function renderChoices(reply, act) {
    const node = el("div", "reply reply-choices");
    if (reply.text) node.append(el("p", "text", reply.text));
    // The first version's replies have one flat list, all of it answers.
    const split = Array.isArray(reply.answers) || Array.isArray(reply.navigation);
    const answers = split ? reply.answers || [] : reply.buttons || [];
    const navigation = split ? reply.navigation || [] : [];
    if (Array.isArray(answers) && answers.length > SELECT_FROM) {
      node.append(renderSelect(answers, act));
    } else if (Array.isArray(answers) && answers.length) {
      node.append(renderButtons(answers, act));
    }
    if (Array.isArray(navigation) && navigation.length) {
      const row = renderButtons(navigation, act);
      row.classList.add("navigation");
      node.append(row);
    }
    return node;
  }

  /** Many answers as one select and an OK button; the option values are the button ids. */
  function renderSelect(answers, act) {
    const row = el("div", "answer-select");
    const select = el("select", "answers");
    select.setAttribute("aria-label", word("select_placeholder"));
    select.append(new Option(word("select_placeholder"), ""));
    const labels = new Map();
    for (const spec of answers) {
      const id = String(spec.id ?? "");
      labels.set(id, String(spec.label ?? ""));
      // The answer offered as the likely one (the person's own division) is preselected.
      const preselected = spec.style === "primary";
      select.append(new Option(String(spec.label ?? ""), id, preselected, preselected));
    }
    const ok = el("button", "btn btn-primary", word("select_submit"));
    ok.type = "button";
    ok.disabled = !select.value;
    select.addEventListener("change", () => {
      ok.disabled = !select.value;
    });
    ok.addEventListener("click", () => {
      const id = select.value;
      if (!id) return;
      disableReply(ok);
      act({ action: id }, labels.get(id));
    });
    row.append(select, ok);
    return row;
  }

  function renderLinks(links) {
    const list = el("ul", "links");
    for (const link of Array.isArray(links) ? links : []) {
      let url;
      try {
        url = new URL(String(link.url ?? ""), window.location.href);
      } catch (error) {
        continue;
      }
      // Only web addresses become links; anything else (javascript:, data:) stays text.
      const item = el("li");
      if (LINK_PROTOCOLS.has(url.protocol)) {
        const anchor = el("a", "link", link.label || url.href);
        anchor.href = url.href;
        anchor.target = "_blank";
        anchor.rel = "noopener noreferrer";
        item.append(anchor);
      } else {
        item.append(el("span", "link", `${link.label ?? ""} ${link.url ?? ""}`));
      }
      list.append(item);
    }
    return list;
  }

  function renderCard(reply, act) {
    const tone = TONES.has(reply.tone) ? reply.tone : "info";
    const node = el("div", `reply card tone-${tone}`);
    if (reply.title) node.append(el("h3", "card-title", reply.title));
    const facts = Array.isArray(reply.facts) ? reply.facts : [];
    if (facts.length) {
      const list = el("dl", "facts");
      for (const fact of facts) {
        const row = el("div", "fact");
        row.append(el("dt", null, fact.label ?? ""), el("dd", null, fact.value ?? ""));
        list.append(row);
      }
      node.append(list);
    }
    for (const line of Array.isArray(reply.lines) ? reply.lines : []) {
      node.append(el("p", "text", line));
    }
    if (Array.isArray(reply.links) && reply.links.length) node.append(renderLinks(reply.links));
    if (Array.isArray(reply.buttons) && reply.buttons.length) {
      node.append(renderButtons(reply.buttons, act));
    }
    return node;
  }

  /** A person's home: sections as cards, then quick actions. Looking at it changes nothing. */
  function renderHome(reply, act) {
    const node = el("div", "reply reply-home");
    if (reply.title) node.append(el("h3", "home-title", reply.title));
    for (const section of Array.isArray(reply.sections) ? reply.sections : []) {
      node.append(renderCard(section, act));
    }
    if (Array.isArray(reply.actions) && reply.actions.length) {
      node.append(renderButtons(reply.actions, act));
    }
    return node;
  }

  function makeButton(spec, type) {
    const style = BUTTON_STYLES.has(spec.style) ? spec.style : "default";
    const button = el("button", `btn btn-${style}`, spec.label ?? "");
    button.type = type;
    button.dataset.action = String(spec.id ?? "");
    return button;
  }

  function renderButtons(buttons, act) {
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
   * Disable the controls of the reply holding `node`: that prompt has been answered. Older
   * prompts stay usable on purpose; the server answers a stale press politely.
   */
  function disableReply(node) {
    const reply = node.closest(".reply") || node;
    for (const control of reply.querySelectorAll("button, input, select, textarea")) {
      control.disabled = true;
    }
  }

  function renderForm(reply, act) {
    const form = el("form", "reply reply-form");
    // The server validates, with messages from its catalogue; the browser's own validation
    // bubbles would speak the browser's language instead.
    form.noValidate = true;
    if (reply.title) form.append(el("h3", "form-title", reply.title));
    const errors = Array.isArray(reply.errors) ? reply.errors : [];
    if (errors.length) {
      const list = el("ul", "form-errors");
      list.setAttribute("role", "alert");
      for (const error of errors) list.append(el("li", null, error));
      form.append(list);
    }
    const fieldErrors =
      reply.field_errors && typeof reply.field_errors === "object" ? reply.field_errors : {};
    const controls = [];
    for (const input of Array.isArray(reply.inputs) ? reply.inputs : []) {
      const key = String(input.key);
      const error = Object.prototype.hasOwnProperty.call(fieldErrors, key)
        ? fieldErrors[key]
        : null;
      const field = renderField(input, error);
      controls.push([key, field.control]);
      form.append(field.node);
    }
    form.append(renderFormActions(form, reply, controls, act));
    return form;
  }

  function renderFormActions(form, reply, controls, act) {
    const row = el("div", "buttons");
    const submit = reply.submit || {};
    const cancel = reply.cancel;
    row.append(makeButton(submit, "submit"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const values = Object.fromEntries(
        controls.map(([key, control]) => [key, valueOf(control)]),
      );
      disableReply(form);
      act({ action: submit.id, values }, submit.label);
    });
    if (cancel) {
      const button = makeButton(cancel, "button");
      button.addEventListener("click", () => {
        disableReply(form);
        act({ action: cancel.id }, cancel.label);
      });
      row.append(button);
    }
    return row;
  }

  /** A control's value; a set of checkboxes gives its ticked values joined. */
  function valueOf(control) {
    if (control.classList.contains("checkboxes")) {
      return Array.from(control.querySelectorAll("input[type=checkbox]:checked"), (box) => box.value)
        .join(MULTI_SEPARATOR);
    }
    return control.value;
  }

  function renderField(spec, error) {
    const node = el("div", "field");
    const control = makeControl(spec);
    control.id = nextId("field");
    if (control.tagName !== "FIELDSET") control.name = String(spec.key ?? "");
    else control.dataset.name = String(spec.key ?? "");
    const label = el("label", "field-label", spec.label ?? "");
    label.htmlFor = control.id;
    if (spec.required) {
      // The mark is decoration; aria-required tells assistive technology the same thing.
      const mark = el("span", "required-mark", "*");
      mark.setAttribute("aria-hidden", "true");
      label.append(mark);
      control.setAttribute("aria-required", "true");
    }
    node.append(label, control);
    const described = [];
    if (spec.hint) {
      const hint = el("p", "field-hint", spec.hint);
      hint.id = nextId("hint");
      described.push(hint.id);
      node.append(hint);
    }
    if (typeof error === "string" && error) {
      // Next to its input, and announced: the person sees which answer to fix and why.
      const message = el("p", "field-error", error);
      message.id = nextId("error");
      described.push(message.id);
      node.classList.add("field-invalid");
      control.setAttribute("aria-invalid", "true");
      node.append(message);
    }
    if (described.length) control.setAttribute("aria-describedby", described.join(" "));
    return { node, control };
  }

  function makeControl(spec) {
    const value = String(spec.value ?? "");
    if (spec.kind === "choice") return makeSelect(spec, value);
    if (spec.kind === "multichoice") return makeCheckboxes(spec, value);
    const control = spec.kind === "longtext" ? el("textarea") : el("input");
    if (spec.kind === "longtext") control.rows = 4;
    else control.type = spec.kind === "date" ? "date" : "text";
    // The limit is the server's (the column that stores the answer); the server checks again.
    if (Number.isInteger(spec.max_length) && spec.max_length > 0) {
      control.maxLength = spec.max_length;
    }
    if (spec.placeholder) control.placeholder = String(spec.placeholder);
    control.value = value;
    return control;
  }

  function makeCheckboxes(spec, value) {
    const group = el("fieldset", "checkboxes");
    const ticked = new Set(value.split(MULTI_SEPARATOR).filter(Boolean));
    for (const option of Array.isArray(spec.options) ? spec.options : []) {
      const row = el("label", "checkbox");
      const box = el("input");
      box.type = "checkbox";
      box.name = String(spec.key ?? "");
      box.value = String(option.value ?? "");
      box.checked = ticked.has(box.value);
      row.append(box, el("span", null, option.label ?? ""));
      group.append(row);
    }
    return group;
  }

  function makeSelect(spec, value) {
    const select = el("select");
    // An empty first option lets an optional choice stay unanswered; for a required choice
    // with no prefill it avoids silently answering with whatever option happens to be first.
    if (!spec.required || !value) select.append(new Option("", ""));
    for (const option of Array.isArray(spec.options) ? spec.options : []) {
      select.append(new Option(String(option.label ?? ""), String(option.value ?? "")));
    }
    select.value = value;
    return select;
  }

  // ---- the conversation ------------------------------------------------------------------

  function transcriptOf(personaId) {
    let transcript = state.transcripts.get(personaId);
    if (!transcript) {
      transcript = el("div", "transcript-body");
      transcript.dataset.persona = personaId;
      state.transcripts.set(personaId, transcript);
    }
    return transcript;
  }

  function scrollToEnd() {
    const pane = $("conversation");
    pane.scrollTop = pane.scrollHeight;
  }

  function appendTo(personaId, node) {
    transcriptOf(personaId).append(node);
    if (personaId === state.persona) scrollToEnd();
  }

  function personBubble(text) {
    const node = el("div", "msg msg-person");
    node.append(el("div", "msg-who", word("you")), el("p", "bubble text", text));
    return node;
  }

  function botBubbles(personaId, replies) {
    const node = el("div", "msg msg-bot");
    node.append(el("div", "msg-who", word("bot")));
    const act = (payload, label) => sendTurn(personaId, payload, label);
    for (const reply of replies) {
      if (replaceShown(personaId, reply, act)) continue;
      const body = renderReply(reply, act);
      if (body) {
        body.classList.add("bubble");
        node.append(body);
      }
    }
    return node;
  }

  /**
   * A reply that replaces one already shown takes its place (same reference, so it can be
   * replaced again); its old buttons are gone with it. False when that reply is not here.
   */
  function replaceShown(personaId, reply, act) {
    if (!reply || typeof reply.replaces !== "string") return false;
    const old = Array.from(transcriptOf(personaId).querySelectorAll("[data-ref]")).find(
      (node) => node.dataset.ref === reply.replaces,
    );
    if (!old) return false;
    const body = renderReply(reply, act, reply.replaces);
    if (!body) return false;
    body.classList.add("bubble", "replaced");
    old.replaceWith(body);
    return true;
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

  /**
   * Send one action of `personaId`: text, a button press or a form. `echo` (the text, or the
   * button's label) is shown at once as the person's message; null shows nothing.
   */
  function sendTurn(personaId, payload, echo) {
    if (echo !== null && echo !== undefined) appendTo(personaId, personBubble(echo));
    // The event id is made once per action, before any retry, so the server can deduplicate.
    const body = { tenant, persona: personaId, ...payload, event_id: newEventId() };
    const previous = state.queues.get(personaId) || Promise.resolve();
    const next = previous.then(() => deliver(personaId, body));
    state.queues.set(personaId, next);
    return next;
  }

  async function deliver(personaId, body) {
    const pending = pendingBubble();
    appendTo(personaId, pending);
    let replies = null;
    try {
      replies = await postTurn(body);
    } catch (error) {
      console.error("turn failed", error);
    } finally {
      pending.remove();
    }
    if (!replies) {
      appendTo(personaId, errorBubble());
      return;
    }
    const group = botBubbles(personaId, replies);
    // A turn whose only reply replaced an earlier one adds no empty bubble group.
    if (group.querySelector(".reply")) appendTo(personaId, group);
  }

  async function postTurn(body) {
    const init = {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    };
    for (let attempt = 0; ; attempt += 1) {
      let response;
      try {
        response = await fetch("/api/turn", init);
      } catch (error) {
        // A network error: the turn may or may not have reached the server. Sending the same
        // body (same event_id) again is safe because the server handles an event only once.
        if (attempt >= NETWORK_RETRIES) throw error;
        await sleep(500 * (attempt + 1));
        continue;
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const data = await response.json();
      if (!Array.isArray(data.replies)) throw new Error("response without replies");
      return data.replies;
    }
  }

  // ---- the home panel --------------------------------------------------------------------

  function closeHome() {
    $("home-panel").hidden = true;
    $("home-panel").replaceChildren();
    $("home-button").setAttribute("aria-expanded", "false");
    $("home-button").textContent = word("home");
  }

  /** The selected persona's home view; its actions go to that persona's conversation. */
  async function openHome() {
    const personaId = state.persona;
    if (!personaId) return;
    const panel = $("home-panel");
    try {
      const query = `?locale=${encodeURIComponent(locale)}&${tenantQuery()}`;
      const response = await fetch(`/api/home/${encodeURIComponent(personaId)}${query}`, {
        cache: "no-store",
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const view = await response.json();
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

  function toggleHome() {
    if ($("home-panel").hidden) openHome();
    else closeHome();
  }

  function showPersona(personaId) {
    closeHome();
    state.persona = personaId;
    $("conversation").replaceChildren(transcriptOf(personaId));
    scrollToEnd();
    // A new conversation opens with the bot's menu, as if its menu button had been pressed;
    // nothing is said on the person's behalf.
    if (!state.started.has(personaId)) {
      state.started.add(personaId);
      sendTurn(personaId, { action: "menu:menu" }, null);
      pollInbox(personaId);
    }
  }

  /**
   * Messages the bot sends on its own (a new guideline version, a reminder) arrive in the
   * persona's inbox; they are shown in that persona's conversation as they come. The first
   * poll only learns where the inbox stands, so a reload does not replay old messages.
   */
  function pollInbox(personaId) {
    let after = null;
    const tick = async () => {
      try {
        const since = after === null ? "" : `&after=${encodeURIComponent(after)}`;
        const url = `/api/inbox/${encodeURIComponent(personaId)}?${tenantQuery()}${since}`;
        const response = await fetch(url, {
          cache: "no-store",
        });
        if (response.ok) {
          const data = await response.json();
          const posts = Array.isArray(data.posts) ? data.posts : [];
          if (after !== null && posts.length) {
            appendTo(personaId, botBubbles(personaId, posts.map((post) => post.body)));
          }
          if (typeof data.last === "number") after = data.last;
        }
      } catch (error) {
        console.warn("inbox poll failed", personaId, error);
      }
      setTimeout(tick, POLL_MS);
    };
    tick();
  }

  function onComposerSubmit(event) {
    event.preventDefault();
    const box = $("message");
    const text = box.value;
    if (!text.trim() || !state.persona) return;
    box.value = "";
    sendTurn(state.persona, { text, locale }, text);
    box.focus();
  }

  function onMessageKeydown(event) {
    // While an IME is composing (Japanese input), Enter confirms the conversion: not a send.
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) {
      return;
    }
    event.preventDefault();
    $("send").click();
  }

  // ---- shared channels -------------------------------------------------------------------

  // Buttons in channel posts act as whoever is selected now (e.g. the admin acknowledging).
  const channelAct = (payload, label) => {
    if (state.persona) sendTurn(state.persona, payload, label);
  };

  function renderPost(post, className) {
    const node = el("div", className);
    const time = el("time", "post-time", formatJst(post.at));
    time.dateTime = String(post.at ?? "");
    node.append(time);
    const body = renderReply(post.body, channelAct, `post:${post.id}`);
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

  function pollChannel(channel) {
    const pane = $(channel.paneId);
    let last = null;
    const tick = async () => {
      try {
        const url = `/api/channels/${channel.key}?${tenantQuery()}`;
        const response = await fetch(url, { cache: "no-store" });
        if (response.ok) {
          const text = await response.text();
          // Re-render only on change: re-rendering resets buttons and the reader's scroll.
          if (text !== last) {
            const data = JSON.parse(text);
            renderChannel(pane, Array.isArray(data.threads) ? data.threads : []);
            last = text;
          }
        }
      } catch (error) {
        // Keep showing the last good state; the next poll tries again.
        console.warn("channel poll failed", channel.key, error);
      }
      // A timeout after each poll (not setInterval) so slow answers never pile up.
      setTimeout(tick, POLL_MS);
    };
    tick();
  }

  // ---- start-up --------------------------------------------------------------------------

  async function loadSetup() {
    // The server may still be starting: keep asking, backing off up to 10 s.
    for (let delay = 500; ; delay = Math.min(delay * 2, 10000)) {
      try {
        const response = await fetch(
          `/api/setup?locale=${encodeURIComponent(locale)}&${tenantQuery()}`,
        );
        if (response.ok) return await response.json();
      } catch (error) {
        console.warn("setup failed, retrying", error);
      }
      await sleep(delay);
    }
  }

  function applyWords(setup) {
    document.documentElement.lang = setup.locale || locale;
    document.title = word("title");
    $("title").textContent = word("title");
    $("municipality").textContent = setup.municipality ?? "";
    $("persona-label").textContent = word("persona");
    $("conversation-title").textContent = word("conversation");
    $("message").placeholder = word("placeholder");
    $("send").textContent = word("send");
    $("home-button").textContent = word("home");
    for (const channel of CHANNELS) $(channel.titleId).textContent = word(channel.word);
  }

  function personaLabel(persona) {
    const details = [persona.division, word(`persona_${persona.role}`)].filter(Boolean);
    return details.length ? `${persona.name}（${details.join("・")}）` : String(persona.name);
  }

  function fillMunicipalities(setup) {
    const towns = Array.isArray(setup.municipalities) ? setup.municipalities : [];
    const select = $("tenant");
    if (towns.length < 2) return; // one municipality: nothing to pick
    $("tenant-switch").hidden = false;
    $("tenant-label").textContent = word("municipality");
    for (const town of towns) select.append(new Option(String(town.name), String(town.id)));
    select.value = tenant;
    select.addEventListener("change", () => {
      // Another municipality is another set of people and channels: start the page afresh.
      const next = new URLSearchParams(window.location.search);
      next.set("tenant", select.value);
      window.location.search = next.toString();
    });
  }

  function fillPersonas(personas) {
    const select = $("persona");
    for (const persona of personas) select.append(new Option(personaLabel(persona), persona.id));
    select.addEventListener("change", () => showPersona(select.value));
  }

  async function start() {
    $("composer").addEventListener("submit", onComposerSubmit);
    $("message").addEventListener("keydown", onMessageKeydown);
    $("home-button").addEventListener("click", toggleHome);
    const setup = await loadSetup();
    tenant = String(setup.tenant || tenant);
    state.words = setup.words || {};
    applyWords(setup);
    fillMunicipalities(setup);
    fillPersonas(Array.isArray(setup.personas) ? setup.personas : []);
    for (const channel of CHANNELS) pollChannel(channel);
    const select = $("persona");
    if (select.value) showPersona(select.value);
  }

  start();
})();
