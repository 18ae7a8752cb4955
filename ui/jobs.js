// The job list: filters by state and agent, keyset paging with the API's
// cursor, rows that change live as events arrive, and a thumbnail of each
// job's first result once weshopd has copied it.

import { api, imageUrl } from './api.js';
import { h, ago, when, states, stateBadge, timeLeft } from './dom.js';
import { onJobEvent } from './live.js';

const PAGE = 25;

function hashWith(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `#/?${s}` : '#/';
}

// Pictures by localUrl, fetched once with the token; revoked when the list goes.
function pictures(signal) {
  const cache = new Map();
  const thumb = (job) => {
    const local = job.results?.[0]?.localUrl;
    if (!local) return h('span', { class: 'placeholder small', 'aria-hidden': 'true' });
    const img = h('img', { class: 'thumb small', alt: `${job.input?.taskName ?? 'job'}: result 1` });
    if (!cache.has(local)) cache.set(local, imageUrl(local, signal).catch(() => null));
    cache.get(local).then((url) => { if (url) img.src = url; });
    return h('a', { href: `#/jobs/${job.id}` }, img);
  };
  thumb.release = () => cache.forEach((p) => p.then((url) => url && URL.revokeObjectURL(url)));
  return thumb;
}

function row(job, thumb) {
  const task = job.input?.taskName;
  return h('tr', { dataset: { id: job.id, state: job.state } },
    h('td', { class: 'picture' }, thumb(job)),
    h('td', {}, h('a', { href: `#/jobs/${job.id}`, class: 'mono' }, job.id.slice(-12)),
      task ? h('div', { class: 'muted' }, task) : null),
    h('td', {}, job.agent.name, h('span', { class: 'muted' }, ` ${job.agent.version}`)),
    h('td', {}, stateBadge(job.state), job.error ? h('div', { class: 'error-code' }, job.error.code) : null),
    h('td', {}, job.upstream?.status ?? '',
      job.state === 'running' && job.expectedFinishAt ? h('div', { class: 'muted' }, timeLeft(job.expectedFinishAt)) : null),
    h('td', { title: when(job.createdAt) }, ago(job.createdAt)),
    h('td', { title: when(job.updatedAt) }, ago(job.updatedAt)),
    h('td', { class: 'owner' }, job.token ?? '–'));
}

export function showJobs(main, params) {
  const filter = { state: params.get('state') ?? '', agent: params.get('agent') ?? '' };
  const cursor = params.get('cursor') ?? '';
  const stateSelect = h('select', { id: 'filter-state', name: 'state' },
    h('option', { value: '' }, 'any'), states.map((s) => h('option', { value: s, selected: s === filter.state }, s)));
  const agentSelect = h('select', { id: 'filter-agent', name: 'agent' }, h('option', { value: '' }, 'any'));
  const go = () => { location.hash = hashWith({ state: stateSelect.value, agent: agentSelect.value }); };
  stateSelect.addEventListener('change', go);
  agentSelect.addEventListener('change', go);

  const body = h('tbody');
  const message = h('p', { class: 'muted', role: 'status' }, 'Loading…');
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  main.append(
    h('h1', {}, 'Jobs'),
    h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); go(); } },
      h('label', { for: 'filter-state' }, 'State'), stateSelect,
      h('label', { for: 'filter-agent' }, 'Agent'), agentSelect),
    h('table', { class: 'jobs' },
      h('caption', { class: 'visually-hidden' }, 'Jobs, newest first'),
      h('thead', {}, h('tr', {}, ['Picture', 'Job', 'Agent', 'State', 'WeShop', 'Created', 'Updated', 'Token'].map((c) =>
        h('th', { scope: 'col', class: c === 'Token' ? 'owner' : null }, c)))),
      body),
    message, pager);

  const controller = new AbortController();
  const thumb = pictures(controller.signal);
  const line = (job) => row(job, thumb);
  api('/v1/agents', { signal: controller.signal }).then(({ agents }) => {
    for (const name of [...new Set(agents.map((a) => a.name))])
      agentSelect.append(h('option', { value: name, selected: name === filter.agent }, name));
  }).catch(() => {});

  const q = new URLSearchParams({ limit: PAGE });
  if (filter.state) q.set('state', filter.state);
  if (filter.agent) q.set('agent', filter.agent);
  if (cursor) q.set('cursor', cursor);
  api(`/v1/jobs?${q}`, { signal: controller.signal }).then((page) => {
    body.replaceChildren(...page.jobs.map(line));
    message.textContent = page.jobs.length ? '' : 'No jobs here yet.';
    if (cursor) pager.append(h('a', { href: hashWith(filter) }, 'Newest'));
    if (page.next_cursor) pager.append(h('a', { href: hashWith({ ...filter, cursor: page.next_cursor }), rel: 'next' }, 'Older'));
  }).catch((e) => { if (e.name !== 'AbortError') message.textContent = `Could not load jobs: ${e.message}`; });

  // A succeeded job's copies are made just after its last event: ask again
  // for its first picture a few times.
  const later = new Set();
  function pictureLater(job, tries = 10) {
    if (job.state !== 'succeeded' || job.results?.[0]?.localUrl || !tries || later.has(job.id)) return;
    later.add(job.id);
    setTimeout(() => (body.querySelector(`tr[data-id="${job.id}"]`) ? api(`/v1/jobs/${job.id}`, { signal: controller.signal })
      : Promise.reject(new Error('not shown'))).then((j) => {
      later.delete(job.id);
      body.querySelector(`tr[data-id="${j.id}"]`)?.replaceWith(line(j));
      pictureLater(j, tries - 1);
    }).catch(() => later.delete(job.id)), 1000);
  }

  // Live: known rows are redrawn; new jobs that match appear on the first page.
  const stop = onJobEvent((job) => {
    pictureLater(job);
    const existing = body.querySelector(`tr[data-id="${job.id}"]`);
    if (existing) { existing.replaceWith(line(job)); return; }
    const matches = (!filter.state || filter.state === job.state) && (!filter.agent || filter.agent === job.agent.name);
    if (cursor || !matches) return;
    // Ids are time-ordered: newest first means by id, descending.
    const after = [...body.rows].find((r) => r.dataset.id < job.id);
    if (after) after.before(line(job));
    else if (body.rows.length < PAGE) body.append(line(job));
    message.textContent = '';
    while (body.rows.length > PAGE) body.lastElementChild.remove();
  });
  return () => { stop(); controller.abort(); thumb.release(); };
}
