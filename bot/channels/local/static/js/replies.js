// Replies of the reply vocabulary as elements: text, choices, cards, the home view (forms in
// forms.js). Each renderer gets the reply and `act(payload, label)`, which sends a button press
// or a form on behalf of some persona and shows `label` as that person's message. Every
// rendered reply has a reference (data-ref) that a press sends along as `message`, so the bot
// can answer with a reply that `replaces` it (an answered question becomes a line).
import { el, nextId, word } from "./page.js";
import { disableReply, makeButton, renderButtons } from "./controls.js";
import { renderForm } from "./forms.js";

const TONES = new Set(["info", "ok", "warn", "bad"]);
// More answers than this are one select menu rather than a row of buttons (the menu's ten
// items stay buttons; forty divisions do not).
const SELECT_FROM = 16;
const LINK_PROTOCOLS = new Set(["http:", "https:"]);

const RENDERERS = {
  text: renderText,
  choices: renderChoices,
  card: renderCard,
  form: renderForm,
  home: renderHome,
};

/** One reply as an element, or null. Never throws: a bad reply must not break the page. */
export function renderReply(reply, act, ref) {
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
