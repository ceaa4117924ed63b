// A persona's recent conversation, kept in this tab's sessionStorage so that a reload shows it
// again; it is gone when the tab is closed and is never sent anywhere. What the person typed is
// kept as the server masked it (a pasted My Number comes back masked, never as typed).
import { state } from "./page.js";

const LIMIT = 80; // entries kept per persona (a message, or one group of the bot's replies)
const VERSION = "v1";

const keyOf = (personaId) => `aiguide:${VERSION}:${state.tenant}:${personaId}`;
const personaKey = () => `aiguide:${VERSION}:${state.tenant}:persona`;

function read(key) {
  try {
    return JSON.parse(window.sessionStorage.getItem(key) || "null");
  } catch (error) {
    return null; // storage refused (private mode) or spoilt: start afresh
  }
}

function write(key, value) {
  try {
    window.sessionStorage.setItem(key, JSON.stringify(value));
  } catch (error) {
    console.warn("could not keep the history", error);
  }
}

/** { entries, inbox } as last saved, or null. */
export function load(personaId) {
  const data = read(keyOf(personaId));
  if (!data || !Array.isArray(data.entries)) return null;
  return { entries: data.entries, inbox: Number.isInteger(data.inbox) ? data.inbox : null };
}

/** Keep the newest entries; a message still waiting for the server's masked copy is left out. */
export function save(personaId, entries, inbox) {
  const kept = entries.filter((entry) => !(entry.who === "person" && entry.text === null));
  write(keyOf(personaId), { entries: kept.slice(-LIMIT), inbox });
}

export function rememberPersona(personaId) {
  write(personaKey(), personaId);
}

export function lastPersona() {
  const id = read(personaKey());
  return typeof id === "string" ? id : null;
}
