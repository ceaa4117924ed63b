// The server's API. Every call carries this start's token, which the server put in the page
// (a page on another origin can neither read it nor send it); a refused token means the server
// was restarted, and the page says to reload.
import { sleep } from "./page.js";

const TOKEN_HEADER = "X-Aiguide-Token";
const TOKEN = document.querySelector('meta[name="aiguide-token"]')?.content || "";
const NETWORK_RETRIES = 2; // extra attempts after the first, on network errors only

let onTokenRefused = () => {};

/** What to do when the server no longer knows the page's token. */
export function whenTokenRefused(handler) {
  onTokenRefused = handler;
}

async function check(response) {
  if (response.ok) return response.json();
  if (response.status === 403) {
    const data = await response.json().catch(() => ({}));
    if (data.code === "token") onTokenRefused();
  }
  throw new Error(`HTTP ${response.status}`);
}

export async function getJson(path) {
  const response = await fetch(path, { cache: "no-store", headers: { [TOKEN_HEADER]: TOKEN } });
  return check(response);
}

/** POST a turn; network errors are retried with the same body (the same event id, so the
 * server handles it once). */
export async function postTurn(body) {
  const init = {
    method: "POST",
    headers: { "Content-Type": "application/json", [TOKEN_HEADER]: TOKEN },
    body: JSON.stringify(body),
  };
  for (let attempt = 0; ; attempt += 1) {
    let response;
    try {
      response = await fetch("/api/turn", init);
    } catch (error) {
      // The turn may or may not have reached the server: sending it again is safe.
      if (attempt >= NETWORK_RETRIES) throw error;
      await sleep(500 * (attempt + 1));
      continue;
    }
    const data = await check(response);
    if (!Array.isArray(data.replies)) throw new Error("response without replies");
    return data;
  }
}
