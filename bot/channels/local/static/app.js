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

  const RENDERERS = {
    text: renderText,
    choices: renderChoices,
    card: renderCard,
    form: renderForm,
  };

  /** One reply as an element, or null. Never throws: a bad reply must not break the page. */
  function renderReply(reply, act) {
    if (typeof reply === "string") return renderText({ text: reply });
    if (!reply || typeof reply !== "object") return null;
    const render = RENDERERS[reply.type];
    try {
      return render ? render(reply, act) : renderUnknown(reply);
    } catch (error) {
      console.error("could not render reply", reply, error);
      return renderUnknown(reply);
    }
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
    node.append(renderButtons(reply.buttons, act));
    return node;
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
    if (Array.isArray(reply.buttons) && reply.buttons.length) {
      node.append(renderButtons(reply.buttons, act));
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
    const controls = [];
    for (const input of Array.isArray(reply.inputs) ? reply.inputs : []) {
      const field = renderField(input);
      controls.push([String(input.key), field.control]);
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
      const values = Object.fromEntries(controls.map(([key, control]) => [key, control.value]));
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

  function renderField(spec) {
    const node = el("div", "field");
    const control = makeControl(spec);
    control.id = nextId("field");
    control.name = String(spec.key ?? "");
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
    if (spec.hint) {
      const hint = el("p", "field-hint", spec.hint);
      hint.id = nextId("hint");
      control.setAttribute("aria-describedby", hint.id);
      node.append(hint);
    }
    return { node, control };
  }

  function makeControl(spec) {
    const value = String(spec.value ?? "");
    if (spec.kind === "choice") return makeSelect(spec, value);
    const control = spec.kind === "longtext" ? el("textarea") : el("input");
    if (spec.kind === "longtext") control.rows = 4;
    else control.type = spec.kind === "date" ? "date" : "text";
    control.value = value;
    return control;
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
      const body = renderReply(reply, act);
      if (body) {
        body.classList.add("bubble");
        node.append(body);
      }
    }
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
    appendTo(personaId, replies ? botBubbles(personaId, replies) : errorBubble());
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

  function showPersona(personaId) {
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
    const body = renderReply(post.body, channelAct);
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
