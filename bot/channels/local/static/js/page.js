// The page's shared state and small DOM helpers.
//
// Every user-visible word comes from GET /api/setup (the server's message catalogue), so no
// module holds UI text of its own. Every string from the server reaches the page through
// textContent, new Option() or a property set on an element made with createElement: nothing
// is parsed as HTML (no innerHTML, no eval), so a message that looks like markup is shown
// literally, never run.

const query = new URLSearchParams(window.location.search);

export const state = {
  // The language asked for in the address (?locale=en); each persona's own choice wins.
  askedLocale: query.get("locale") || "",
  locale: "ja", // the language the page's own words are in now
  catalogue: {}, // locale -> the page's words
  words: {},
  // The municipality picked on the page (several can share one deployment); the server
  // answers with the one it chose when none is picked.
  tenant: query.get("tenant") || "",
  persona: null, // the selected persona id
  personas: [],
  channels: null, // the shared channels the selected persona is a member of (null: not known)
};

export const tenantQuery = () => `tenant=${encodeURIComponent(state.tenant)}`;

export const $ = (id) => document.getElementById(id);
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// References of rendered replies are unique across reloads: a restored history keeps its own.
const PAGE = Math.random().toString(36).slice(2, 8);
let idCounter = 0;

export function nextId(prefix) {
  idCounter += 1;
  return `${prefix}-${PAGE}${idCounter}`;
}

/** An element with an optional class and text (always set as text, never as HTML). */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** A catalogue word with `{name}` placeholders filled in. */
export function word(key, vars = {}) {
  const template = String(state.words[key] ?? "");
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole,
  );
}

/** Switch the page's own words to `locale` (when the catalogue has it). */
export function useLocale(locale) {
  const words = state.catalogue[locale];
  if (!words) return false;
  state.locale = locale;
  state.words = words;
  return true;
}

export function newEventId() {
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

export function formatJst(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso ?? "");
  const part = Object.fromEntries(JST.formatToParts(date).map((p) => [p.type, p.value]));
  return `${part.month}/${part.day} ${part.hour}:${part.minute}`;
}
