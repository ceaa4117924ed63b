// aiguide — the local web chat. Plain ES modules, no build step, nothing from the internet.
//
// page.js: state and helpers · api.js: the server (with this start's token) · replies.js,
// controls.js, forms.js: the reply vocabulary as elements · conversation.js and history.js:
// each persona's conversation and what a reload shows again · channels.js: the shared
// channels for their members · home.js: the home panel.
import { getJson, whenTokenRefused } from "./api.js";
import { applyChannelWords, applyMembership } from "./channels.js";
import { sendTurn, showPersona, whenStandingChanges } from "./conversation.js";
import * as history from "./history.js";
import { closeHome, toggleHome } from "./home.js";
import { $, sleep, state, tenantQuery, useLocale, word } from "./page.js";

async function loadSetup() {
  // The server may still be starting: keep asking, backing off up to 10 s.
  const locale = state.askedLocale ? `locale=${encodeURIComponent(state.askedLocale)}&` : "";
  for (let delay = 500; ; delay = Math.min(delay * 2, 10000)) {
    try {
      return await getJson(`/api/setup?${locale}${tenantQuery()}`);
    } catch (error) {
      console.warn("setup failed, retrying", error);
    }
    await sleep(delay);
  }
}

function personaLabel(persona) {
  // The role word says only the role: the division is already there (情報政策課・管理者).
  const details = [persona.division, word(`persona_${persona.role}`)].filter(Boolean);
  return details.length ? `${persona.name}（${details.join("・")}）` : String(persona.name);
}

/** The page's own words, in the language of the selected persona (or the page's). */
function applyWords() {
  document.documentElement.lang = state.locale;
  document.title = word("title");
  $("title").textContent = word("title");
  $("persona-label").textContent = word("persona");
  $("tenant-label").textContent = word("municipality");
  $("conversation-title").textContent = word("conversation");
  $("message").placeholder = word("placeholder");
  $("send").textContent = word("send");
  $("home-button").textContent = $("home-panel").hidden ? word("home") : word("home_close");
  for (const option of $("persona").options) {
    const persona = state.personas.find((p) => p.id === option.value);
    if (persona) option.textContent = personaLabel(persona);
  }
  applyChannelWords();
}

function fillMunicipalities(setup) {
  const towns = Array.isArray(setup.municipalities) ? setup.municipalities : [];
  const select = $("tenant");
  if (towns.length < 2) return; // one municipality: nothing to pick
  $("tenant-switch").hidden = false;
  for (const town of towns) select.append(new Option(String(town.name), String(town.id)));
  select.value = state.tenant;
  select.addEventListener("change", () => {
    // Another municipality is another set of people and channels: start the page afresh.
    const next = new URLSearchParams(window.location.search);
    next.set("tenant", select.value);
    window.location.search = next.toString();
  });
}

/** The persona's language and channels, as the server says now. */
function applyStanding(personaId, locale, channels) {
  if (personaId !== state.persona) return;
  if (locale !== state.locale && useLocale(locale)) applyWords();
  const next = Array.isArray(channels) ? channels.map(String) : [];
  if (!Array.isArray(state.channels) || next.join() !== state.channels.join()) {
    state.channels = next;
    applyMembership();
  }
}

async function selectPersona(personaId) {
  closeHome();
  state.channels = null; // until the server says
  applyMembership();
  showPersona(personaId);
  try {
    const locale = state.askedLocale ? `&locale=${encodeURIComponent(state.askedLocale)}` : "";
    const url = `/api/persona/${encodeURIComponent(personaId)}?${tenantQuery()}${locale}`;
    const standing = await getJson(url);
    applyStanding(personaId, standing.locale, standing.channels);
  } catch (error) {
    console.warn("persona failed", personaId, error);
  }
}

function fillPersonas() {
  const select = $("persona");
  for (const persona of state.personas) {
    select.append(new Option(personaLabel(persona), persona.id));
  }
  const last = history.lastPersona();
  if (last && state.personas.some((p) => p.id === last)) select.value = last;
  select.addEventListener("change", () => selectPersona(select.value));
}

function onComposerSubmit(event) {
  event.preventDefault();
  const box = $("message");
  const text = box.value;
  if (!text.trim() || !state.persona) return;
  box.value = "";
  const payload = state.askedLocale ? { text, locale: state.askedLocale } : { text };
  sendTurn(state.persona, payload, text, true);
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

function showRestarted() {
  const banner = $("restarted");
  banner.textContent = word("restarted");
  banner.hidden = false;
}

async function start() {
  $("composer").addEventListener("submit", onComposerSubmit);
  $("message").addEventListener("keydown", onMessageKeydown);
  $("home-button").addEventListener("click", toggleHome);
  whenTokenRefused(showRestarted);
  whenStandingChanges(applyStanding);
  const setup = await loadSetup();
  state.tenant = String(setup.tenant || state.tenant);
  state.catalogue = setup.catalogue && typeof setup.catalogue === "object" ? setup.catalogue : {};
  state.catalogue[setup.locale] = setup.words || {};
  useLocale(setup.locale || "ja");
  state.personas = Array.isArray(setup.personas) ? setup.personas : [];
  $("municipality").textContent = setup.municipality ?? "";
  fillMunicipalities(setup);
  fillPersonas();
  applyWords();
  if ($("persona").value) selectPersona($("persona").value);
}

start();
