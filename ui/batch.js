// One batch: its progress, counts and cost, cancel / retry, and a grid of
// tiles (one per item: its name, state, and the first result's picture once
// weshopd has copied it). Live: the batch is followed by ?wait= long-polls,
// its items by the page's event stream, and GET /v1/jobs?batch= pages fill
// in what either missed.

import { api, imageUrl } from './api.js';
import { h, when, stateBadge } from './dom.js';
import { onJobEvent } from './live.js';
import { progressBar, countsText, costText, total, ended } from './batches.js';

const PAGE = 500;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function tile(job) {
  return h('li', { class: 'tile', dataset: { id: job.id, index: job.batchIndex } },
    h('a', { href: `#/jobs/${job.id}`, class: 'tile-picture' }, h('span', { class: 'placeholder', 'aria-hidden': 'true' })),
    h('div', { class: 'tile-name' }, job.itemName ?? `item ${job.batchIndex + 1}`),
    h('div', { class: 'tile-state' }));
}

export function showBatch(main, id) {
  const controller = new AbortController();
  const { signal } = controller;
  const blobs = [];
  const tiles = new Map(); // job id -> {el, state, image: 'none' | 'loading' | 'shown'}
  const status = h('p', { role: 'status', class: 'notice' });
  const head = h('div');
  const grid = h('ul', { class: 'tiles', 'aria-label': 'Items' });
  main.append(head, status, h('section', { 'aria-labelledby': 'items-title' },
    h('h2', { id: 'items-title' }, 'Items'), grid));

  async function act(what) {
    status.textContent = '';
    try {
      const b = await api(`/v1/batches/${id}/${what}`, { method: 'POST', body: {} });
      if (what === 'retry') { location.hash = `#/batches/${b.id}`; return; }
      render(b);
      status.textContent = 'Canceled: items not yet submitted will not run.';
    } catch (e) {
      status.textContent = `Could not ${what}: ${e.message}`;
    }
  }

  function render(b) {
    const actions = h('div', { class: 'actions' });
    if (!ended(b)) actions.append(h('button', { type: 'button', onclick: () => act('cancel') }, 'Cancel batch'));
    if (ended(b) && (b.counts.failed || b.counts.canceled))
      actions.append(h('button', { type: 'button', onclick: () => act('retry') }, 'Retry failed and canceled'));
    const facts = [
      ['State', stateBadge(b.state)],
      ['Token', b.token ?? '–', 'owner'],
      ['Agent', `${b.agent.name} ${b.agent.version}`],
      ['Items', `${total(b)}: ${countsText(b)}`],
      ['Images', `${b.images.produced ?? 0} of ${b.images.requested} made`],
      ['Cost', costText(b)],
      ['Created', when(b.createdAt)],
      ['Finished', b.finishedAt ? when(b.finishedAt) : '–'],
    ];
    if (b.reason === 'budget_exhausted') facts.push(['Waiting', 'for budget: items are submitted when the daily budget allows']);
    if (b.retryOf) facts.push(['Retry of', h('a', { href: `#/batches/${b.retryOf}`, class: 'mono' }, b.retryOf)]);
    head.replaceChildren(
      h('h1', {}, 'Batch ', h('span', { class: 'mono' }, b.id)),
      progressBar(b), actions,
      h('dl', { class: 'facts' }, facts.map(([k, v, c]) => [h('dt', { class: c }, k), h('dd', { class: c }, v)])));
  }

  // Pictures are fetched only for tiles on screen (a batch may have 10,000).
  function picture(t) {
    if (!t.local || !t.visible || t.image !== 'none') return;
    t.image = 'loading';
    imageUrl(t.local, signal).then((url) => {
      blobs.push(url);
      t.el.querySelector('.tile-picture').replaceChildren(h('img', { class: 'thumb', src: url, alt: `${t.name}: result 1` }));
      t.image = 'shown';
    }).catch(() => { t.image = 'none'; });
  }
  const seen = new IntersectionObserver((entries) => {
    for (const e of entries) {
      const t = tiles.get(e.target.dataset.id);
      if (t) { t.visible = e.isIntersecting; picture(t); }
    }
  }, { rootMargin: '200px' });

  // A tile shows the job's state, and its first result once copied here.
  function place(job) {
    let t = tiles.get(job.id);
    if (!t) {
      t = { el: tile(job), image: 'none', visible: false, name: job.itemName ?? 'item' };
      tiles.set(job.id, t);
      const after = [...grid.children].find((el) => Number(el.dataset.index) > job.batchIndex);
      grid.insertBefore(t.el, after ?? null);
      seen.observe(t.el);
    }
    t.state = job.state;
    t.el.dataset.state = job.state;
    t.el.querySelector('.tile-state').replaceChildren(h('span', {}, stateBadge(job.state),
      job.error ? h('span', { class: 'error-code' }, ` ${job.error.code}`) : null));
    t.local = job.results?.[0]?.localUrl ?? t.local;
    picture(t);
  }

  async function loadItems() {
    let cursor = '';
    do {
      const q = new URLSearchParams({ batch: id, limit: PAGE });
      if (cursor) q.set('cursor', cursor);
      const page = await api(`/v1/jobs?${q}`, { signal });
      page.jobs.forEach(place);
      cursor = page.next_cursor ?? '';
    } while (cursor);
  }

  // Succeeded items whose copy is not here yet (it is made just after the end).
  const waitingForPictures = () => [...tiles.values()].some((t) => t.state === 'succeeded' && t.image === 'none');

  const stop = onJobEvent((job) => { if (job.batchId === id) place(job); });
  (async () => {
    try {
      let b = await api(`/v1/batches/${id}`, { signal });
      render(b);
      await loadItems();
      // Every item's change ends a wait: at most one full read of the items
      // every few seconds (events move the tiles between), and a pause so a
      // busy batch is not asked about hundreds of times a second.
      let lastFull = Date.now();
      while (!ended(b)) {
        b = await api(`/v1/batches/${id}?wait=30`, { signal });
        render(b);
        if (ended(b) || tiles.size < total(b) || Date.now() - lastFull > 5000) {
          await loadItems();
          lastFull = Date.now();
        }
        if (!ended(b)) await sleep(500);
      }
      for (let i = 0; i < 30 && waitingForPictures(); ++i) {
        await sleep(1000);
        await loadItems();
      }
    } catch (e) {
      if (e.name === 'AbortError') return;
      head.replaceChildren(h('h1', {}, 'Batch'), h('p', { role: 'alert', class: 'error-box' },
        e.status === 404 ? 'No such batch.' : `Could not load the batch: ${e.message}`));
    }
  })();

  return () => { stop(); seen.disconnect(); controller.abort(); blobs.forEach((u) => URL.revokeObjectURL(u)); };
}
