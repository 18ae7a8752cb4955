// The local API from the browser: the token (asked once, kept in
// sessionStorage, sent only as a header, never in a URL), JSON in and out,
// event streams read with fetch (EventSource cannot send the header), and
// images fetched with the token and shown as blob: URLs.

const TOKEN_KEY = 'weshopd.token';
let askToken = null; // set by the app: resolves once the user gave a token

export function onTokenNeeded(fn) { askToken = fn; }

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? 'http_error';
    this.details = body?.error?.details ?? [];
  }
}

function headers(extra = {}) {
  const h = { ...extra };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) h.Authorization = `Bearer ${token}`;
  return h;
}

export function setToken(token) { sessionStorage.setItem(TOKEN_KEY, token); }

async function authorized(path, init) {
  for (;;) {
    const res = await fetch(path, { ...init, headers: headers(init.headers), cache: 'no-store', credentials: 'omit' });
    if (res.status !== 401 || !askToken) return res;
    const wasWrong = sessionStorage.getItem(TOKEN_KEY) !== null;
    sessionStorage.removeItem(TOKEN_KEY);
    await askToken(wasWrong);
  }
}

// JSON in, JSON out. `body` may be an object (sent as JSON) or a File/Blob
// (sent as itself, with its own type).
export async function api(path, { method = 'GET', body, signal } = {}) {
  const init = { method, signal, headers: {} };
  if (body instanceof Blob) {
    init.body = body;
    init.headers['Content-Type'] = body.type || 'application/octet-stream';
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const res = await authorized(path, init);
  const text = await res.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
  if (!res.ok) throw new ApiError(res.status, parsed);
  return parsed;
}

// Server-Sent Events from `path`, as {id, event, data} with data parsed.
// Ends when the server closes the stream or `signal` aborts.
export async function* events(path, { signal, lastEventId, onOpen } = {}) {
  const extra = { Accept: 'text/event-stream' };
  if (lastEventId) extra['Last-Event-ID'] = String(lastEventId);
  const res = await authorized(path, { signal, headers: extra });
  if (!res.ok) throw new ApiError(res.status, null);
  onOpen?.();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replaceAll('\r\n', '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const ev = { id: null, event: 'message', data: '' };
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue; // heartbeat
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const v = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') ev.id = v;
        else if (field === 'event') ev.event = v;
        else if (field === 'data') ev.data += (ev.data ? '\n' : '') + v;
      }
      if (ev.data) yield { ...ev, data: JSON.parse(ev.data) };
    }
  }
}

// An image from weshopd (a mirrored result or a local input), as a blob: URL
// for an <img>; the caller revokes it.
export async function imageUrl(path, signal) {
  const res = await authorized(path, { signal, headers: {} });
  if (!res.ok) throw new ApiError(res.status, null);
  return URL.createObjectURL(await res.blob());
}
