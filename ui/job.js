// One job: its summary, inputs and results as thumbnails (from weshopd's own
// copies only), params, the timeline of its events, and cancel / retry. The
// page follows the job's event stream, so it changes without a reload.

import { api, events, imageUrl } from './api.js';
import { h, when, terminal, stateBadge, timeLeft } from './dom.js';

const imageInputs = new Set(['originalImage', 'fashionModelImage', 'locationImage']);
function isUrl(v) { return typeof v === 'string' && /^https?:\/\//.test(v); }

// An <img> filled from weshopd with the token; the blob URL goes with the page.
// When weshopd has no copy, `fallback` (or a note) stands in its place.
function thumbnail(path, alt, blobs, signal, fallback = null) {
  const img = h('img', { alt, class: 'thumb', loading: 'lazy', decoding: 'async' });
  const link = h('a', { class: 'thumb-link', target: '_blank', rel: 'noopener noreferrer' }, img);
  imageUrl(path, signal).then((url) => {
    blobs.push(url);
    img.src = url;
    link.href = url;
  }).catch(() => { link.replaceWith(fallback ?? h('span', { class: 'muted' }, 'no copy on this machine')); });
  return h('figure', {}, link, h('figcaption', {}, alt));
}

function outsideLink(url) {
  return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', class: 'mono' }, url);
}

function value(v) {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function showJob(main, id) {
  const controller = new AbortController();
  const { signal } = controller;
  const blobs = [];
  const status = h('p', { role: 'status', class: 'notice' });
  const view = h('div');
  const timeline = h('ol', { class: 'timeline' });
  main.append(view, h('section', { 'aria-labelledby': 'timeline-title' },
    h('h2', { id: 'timeline-title' }, 'Timeline'), timeline));
  let shown = null; // what the page shows: state and how many images are copied

  async function act(what) {
    status.textContent = '';
    try {
      const job = await api(`/v1/jobs/${id}/${what}`, { method: 'POST', body: {} });
      if (what === 'retry') { location.hash = `#/jobs/${job.id}`; return; }
      render(job);
      status.textContent = job.note ?? 'Canceled.';
    } catch (e) {
      status.textContent = `Could not ${what}: ${e.message}`;
    }
  }

  function render(job) {
    // Images load once: a redraw that changes neither keeps them.
    const key = `${job.state}:${(job.results ?? []).filter((r) => r.localUrl).length}`;
    if (shown === key && view.childElementCount) {
      view.querySelector('[data-field="upstream"]').textContent = job.upstream?.status ?? '–';
      const left = view.querySelector('[data-field="left"]');
      if (left) left.textContent = timeLeft(job.expectedFinishAt);
      return;
    }
    shown = key;
    const actions = h('div', { class: 'actions' });
    if (!terminal.has(job.state)) actions.append(h('button', { type: 'button', onclick: () => act('cancel') }, 'Cancel job'));
    if (job.state === 'failed' || job.state === 'canceled')
      actions.append(h('button', { type: 'button', onclick: () => act('retry') }, 'Retry as a new job'));

    const facts = [
      ['State', stateBadge(job.state)],
      ['Token', job.token ?? '–', 'owner'], // shown to an admin (style.css)
      ['Agent', `${job.agent.name} ${job.agent.version}`],
      ['WeShop status', h('span', { 'data-field': 'upstream' }, job.upstream?.status ?? '–')],
      ['Execution id', job.upstream?.executionId ? h('span', { class: 'mono' }, job.upstream.executionId) : '–'],
      ['Created', when(job.createdAt)],
      ['Finished', job.finishedAt ? when(job.finishedAt) : '–'],
      ...(job.state === 'running' && job.expectedFinishAt
        ? [['Expected end', h('span', { 'data-field': 'left', title: when(job.expectedFinishAt) }, timeLeft(job.expectedFinishAt))]] : []),
      ['Attempts', job.attempts ?? 0],
      ['Cost', job.cost ? `${job.cost.actual ?? job.cost.expected} (${job.cost.imagesProduced ?? job.cost.images} images${job.cost.imagesProduced === null ? ', expected' : ''})` : '–'],
    ];
    if (job.reason === 'budget_exhausted')
      facts.push(['Waiting', 'for budget: it is submitted when the daily budget allows']);
    if (job.retryOf) facts.push(['Retry of', h('a', { href: `#/jobs/${job.retryOf}`, class: 'mono' }, job.retryOf)]);
    if (job.batchId) facts.push(['Batch', h('span', {}, h('a', { href: `#/batches/${job.batchId}`, class: 'mono' }, job.batchId),
      job.itemName ? ` (${job.itemName})` : null)]);
    const error = job.error ? h('div', { class: 'error-box', role: 'alert' },
      h('strong', {}, job.error.code), ` ${job.error.message}`,
      job.error.retryable ? h('div', { class: 'muted' }, 'Retryable: retry makes a new job.') : null) : null;
    // Accepted as asked, but probably not what was meant (or preset ids not checked).
    const warnings = job.warnings?.length ? h('div', { class: 'warning-box', role: 'status' },
      h('strong', {}, 'Warnings'), h('ul', {}, job.warnings.map((w) => h('li', {}, h('span', { class: 'mono' }, w.pointer), ` ${w.message}`)))) : null;

    const inputs = h('div', { class: 'gallery' });
    const inputFacts = h('dl', { class: 'facts' });
    for (const [name, v] of Object.entries(job.input ?? {})) {
      // weshopd shows its own copy of a local (or uploaded) image; another URL is only a link.
      if (imageInputs.has(name))
        inputs.append(thumbnail(`/v1/jobs/${job.id}/inputs/${name}`, name, blobs, signal, isUrl(v) ? outsideLink(v) : null));
      else inputFacts.append(h('dt', {}, name), h('dd', {}, isUrl(v) ? outsideLink(v) : value(v)));
    }
    const results = h('div', { class: 'gallery' });
    (job.results ?? []).forEach((r, n) => {
      if (r.localUrl) results.append(thumbnail(r.localUrl, `Result ${n + 1}`, blobs, signal));
      else results.append(h('figure', {}, h('figcaption', {}, `Result ${n + 1}: ${r.status ?? ''}`),
        r.image ? h('p', { class: 'muted' }, 'Not copied to this machine: ', outsideLink(r.image)) : null));
    });
    const params = Object.entries(job.params ?? {});

    view.replaceChildren(...[
      h('h1', {}, 'Job ', h('span', { class: 'mono' }, job.id)),
      actions, status, error, warnings,
      h('dl', { class: 'facts' }, facts.map(([k, v, c]) => [h('dt', { class: c }, k), h('dd', { class: c }, v)])),
      // The input beside what was made of it.
      h('div', { class: 'pictures' },
        h('section', { 'aria-labelledby': 'inputs-title' }, h('h2', { id: 'inputs-title' }, 'Input'), inputs, inputFacts),
        h('section', { 'aria-labelledby': 'results-title' }, h('h2', { id: 'results-title' }, 'Results'),
          job.results?.length ? results : h('p', { class: 'muted' }, terminal.has(job.state) ? 'none' : 'not yet'))),
      h('section', { 'aria-labelledby': 'params-title' }, h('h2', { id: 'params-title' }, 'Params'),
        params.length ? h('table', { class: 'params' }, h('tbody', {},
          params.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', { class: 'mono' }, value(v))))))
          : h('p', { class: 'muted' }, 'none')),
    ].filter(Boolean));
  }

  async function refreshTimeline() {
    const { events: list } = await api(`/v1/jobs/${id}/history`, { signal });
    timeline.replaceChildren(...list.map((e) => h('li', {},
      h('time', { datetime: e.at }, when(e.at)), ' ',
      e.from ? [stateBadge(e.from), ' → '] : null, stateBadge(e.to),
      e.detail ? h('span', { class: 'muted' }, ` ${e.detail}`) : null)));
  }

  (async () => {
    try {
      render(await api(`/v1/jobs/${id}`, { signal }));
      await refreshTimeline();
      // Replays from the start, follows live, ends after the terminal event.
      for await (const ev of events(`/v1/jobs/${id}/events`, { signal })) {
        render(ev.data);
        await refreshTimeline();
      }
      // Results are copied to this machine just after the end: look again for a while.
      for (let i = 0; i < 20; ++i) {
        const job = await api(`/v1/jobs/${id}`, { signal });
        render(job);
        if ((job.results ?? []).every((r) => r.localUrl)) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
    } catch (e) {
      if (e.name === 'AbortError') return;
      view.replaceChildren(h('h1', {}, 'Job'), h('p', { role: 'alert', class: 'error-box' },
        e.status === 404 ? 'No such job.' : `Could not load the job: ${e.message}`));
    }
  })();

  return () => { controller.abort(); blobs.forEach((u) => URL.revokeObjectURL(u)); };
}
