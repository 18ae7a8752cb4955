// The batch list: newest first, keyset paging with the API's cursor, each
// batch with a progress bar by state, its counts and cost. Redrawn while
// any shown batch is still running (its counts move).

import { api } from './api.js';
import { h, ago, when, stateBadge } from './dom.js';

const PAGE = 25;
const parts = ['succeeded', 'failed', 'canceled', 'running', 'submitting', 'uploading', 'queued'];

// `finished` is how many items have ended; the batch itself ends with its state.
export function ended(b) { return b.state !== 'running'; }

export function total(b) { return Object.values(b.counts).reduce((a, n) => a + n, 0); }

// A bar of segments, one per state with items, sized by its share. Widths are
// set through the CSSOM: the CSP (style-src 'self') refuses style attributes.
export function progressBar(b) {
  const all = total(b) || 1;
  const done = b.counts.succeeded + b.counts.failed + b.counts.canceled;
  return h('div', { class: 'progress', role: 'img', 'aria-label': `${done} of ${total(b)} finished` },
    parts.filter((s) => b.counts[s]).map((s) => {
      const bar = h('span', { class: `bar bar-${s}`, title: `${s}: ${b.counts[s]}` });
      bar.style.width = `${(b.counts[s] / all) * 100}%`;
      return bar;
    }));
}

export function countsText(b) {
  return parts.filter((s) => b.counts[s]).map((s) => `${b.counts[s]} ${s}`).join(', ') || 'no items';
}

export function costText(b) {
  const c = b.cost ?? {};
  if (c.actual !== null && c.actual !== undefined) return `${c.actual} (${b.images.produced} images)`;
  return c.expected !== null && c.expected !== undefined ? `${c.expected} expected` : '–';
}

function row(b) {
  return h('tr', { dataset: { id: b.id, state: b.state } },
    h('td', {}, h('a', { href: `#/batches/${b.id}`, class: 'mono' }, b.id.slice(-12))),
    h('td', {}, b.agent.name, h('span', { class: 'muted' }, ` ${b.agent.version}`)),
    h('td', {}, stateBadge(b.state), b.reason === 'budget_exhausted' ? h('div', { class: 'muted' }, 'waiting for budget') : null),
    h('td', { class: 'progress-cell' }, progressBar(b), h('div', { class: 'muted counts' }, countsText(b))),
    h('td', {}, costText(b)),
    h('td', { title: when(b.createdAt) }, ago(b.createdAt)),
    h('td', { class: 'owner' }, b.token ?? '–'));
}

export function showBatches(main, params) {
  const cursor = params.get('cursor') ?? '';
  const body = h('tbody');
  const message = h('p', { class: 'muted', role: 'status' }, 'Loading…');
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  main.append(
    h('h1', {}, 'Batches'),
    h('p', {}, h('a', { href: '#/batches/new' }, 'New batch from several images')),
    h('table', { class: 'batches' },
      h('caption', { class: 'visually-hidden' }, 'Batches, newest first'),
      h('thead', {}, h('tr', {}, ['Batch', 'Agent', 'State', 'Progress', 'Cost', 'Created', 'Token'].map((c) =>
        h('th', { scope: 'col', class: c === 'Token' ? 'owner' : null }, c)))),
      body),
    message, pager);

  const controller = new AbortController();
  let timer = null;
  async function load(first) {
    const q = new URLSearchParams({ limit: PAGE });
    if (cursor) q.set('cursor', cursor);
    try {
      const page = await api(`/v1/batches?${q}`, { signal: controller.signal });
      body.replaceChildren(...page.batches.map(row));
      message.textContent = page.batches.length ? '' : 'No batches yet.';
      if (first && cursor) pager.append(h('a', { href: '#/batches' }, 'Newest'));
      if (first && page.next_cursor)
        pager.append(h('a', { href: `#/batches?cursor=${encodeURIComponent(page.next_cursor)}`, rel: 'next' }, 'Older'));
      if (page.batches.some((b) => !ended(b))) timer = setTimeout(() => load(false), 2000);
    } catch (e) {
      if (e.name !== 'AbortError') message.textContent = `Could not load batches: ${e.message}`;
    }
  }
  load(true);
  return () => { controller.abort(); clearTimeout(timer); };
}
