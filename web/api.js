// HTTP: every request goes to the server that served this page, with relative URLs
// (`api/...`): no CDN, no tile server. A failed answer becomes an ApiError carrying the
// status and the API's machine `code` (its English `error` message is kept for the console
// and a tooltip, never shown as the page's words nor matched).

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let busy = 0;
function setBusy(delta) {
  busy += delta;
  document.body.dataset.busy = String(busy);
  document.body.classList.toggle('busy', busy > 0);
}

export async function api(path, options) {
  setBusy(1);
  try {
    let res;
    try {
      res = await fetch(`api/${path}`, options);
    } catch (e) {
      throw new ApiError(0, 'network', e.message);
    }
    const text = await res.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch (_) {
      body = null;
    }
    if (!res.ok) {
      const code = body && typeof body.code === 'string' ? body.code : null;
      const message = body && typeof body.error === 'string' ? body.error : text || res.statusText;
      throw new ApiError(res.status, code, message);
    }
    return body;
  } finally {
    setBusy(-1);
  }
}

export function postJson(path, value, headers) {
  return api(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(headers || {}) },
    body: JSON.stringify(value),
  });
}

// The layers of one kind at one threshold.
export const kindQuery = (kind, t) => `kind=${encodeURIComponent(kind)}&threshold_min=${encodeURIComponent(t)}`;

// The map shows one kind at its threshold: the what-if answers for that kind only (the export
// asks for all), compared with the study's sites at the same threshold (`before=thresholds`),
// so that the diff and the map show what the sites change.
export const whatifPath = (kind) => `whatif?kind=${encodeURIComponent(kind)}&before=thresholds`;
