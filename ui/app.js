// The dashboard: hash routes (#/ jobs, #/jobs/<id> one job, #/new submit,
// #/batches the batches, #/batches/<id> one batch, #/batches/new several images),
// the status header, the live event stream shared by the views, and the
// token dialog.

import { api, events, onTokenNeeded, setToken } from './api.js';
import { showJobs } from './jobs.js';
import { showJob } from './job.js';
import { showSubmit } from './submit.js';
import { showBatches } from './batches.js';
import { showBatch } from './batch.js';
import { showBatchSubmit } from './batch_submit.js';
import { followEvents, onJobEvent } from './live.js';

const main = document.getElementById('main');
let leaveView = null; // the current view's cleanup

// --- the token, asked once per tab ---
let pendingToken = null;
onTokenNeeded((wasWrong) => {
  if (pendingToken) return pendingToken;
  const dialog = document.getElementById('token-dialog');
  const form = document.getElementById('token-form');
  const input = document.getElementById('token-input');
  document.getElementById('token-error').textContent = wasWrong ? 'That token was not accepted.' : '';
  pendingToken = new Promise((resolve) => {
    form.addEventListener('submit', () => {
      setToken(input.value.trim());
      input.value = '';
      pendingToken = null;
      resolve();
    }, { once: true });
  });
  if (!dialog.open) dialog.showModal();
  input.focus();
  return pendingToken;
});

// --- the live indicator ---
function setLive(state) {
  const el = document.querySelector('[data-status="live"]');
  el.textContent = { on: 'connected', off: 'reconnecting…', connecting: 'connecting…' }[state];
  el.dataset.state = state;
}

// --- the status header ---
let statusTimer = null;
async function refreshStatus() {
  clearTimeout(statusTimer);
  try {
    const s = await api('/v1/status');
    const set = (k, v) => { document.querySelector(`[data-status="${k}"]`).textContent = v; };
    set('waiting', s.jobs.queued + s.jobs.uploading + s.jobs.submitting);
    set('running', s.jobs.running);
    set('failedLastHour', s.failedLastHour);
    const up = document.querySelector('[data-status="upstream"]');
    up.textContent = s.upstream.state;
    up.dataset.state = s.upstream.state;
    up.title = s.upstream.lastTrouble ?? '';
    // An admin token sees every token's jobs: the views then show whose each is (.owner).
    document.body.toggleAttribute('data-admin', Boolean(s.caller?.admin));
  } catch (e) {
    console.warn('status', e);
  }
  statusTimer = setTimeout(refreshStatus, 10000);
}
let statusSoon = null;
function refreshStatusSoon() {
  if (!statusSoon) statusSoon = setTimeout(() => { statusSoon = null; refreshStatus(); }, 500);
}

// --- routes ---
function route() {
  if (leaveView) leaveView();
  leaveView = null;
  main.replaceChildren();
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = hash.split('?');
  const params = new URLSearchParams(query);
  let nav = 'jobs';
  const job = path.match(/^\/jobs\/([0-9a-fA-F-]{36})$/);
  const batch = path.match(/^\/batches\/([0-9a-fA-F-]{36})$/);
  if (job) { nav = null; leaveView = showJob(main, job[1]); }
  else if (batch) { nav = null; leaveView = showBatch(main, batch[1]); }
  else if (path === '/new') { nav = 'new'; leaveView = showSubmit(main, params); }
  else if (path === '/batches/new') { nav = 'batch-new'; leaveView = showBatchSubmit(main); }
  else if (path === '/batches') { nav = 'batches'; leaveView = showBatches(main, params); }
  else leaveView = showJobs(main, params);
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

window.addEventListener('hashchange', route);
route();
refreshStatus();
onJobEvent(refreshStatusSoon);
followEvents(setLive);
