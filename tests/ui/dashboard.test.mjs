// The dashboard in a real browser: Debian's Chromium driven by puppeteer-core
// against a real weshopd + weshop-sim started by tests/integration/dashboard_test.cpp.
//
// Environment: WESHOPD_URL (http://127.0.0.1:P), WESHOPD_TOKEN, FAILED_JOB (a
// failed job's id), SHOTS_DIR (screenshots, kept as test artifacts), CHROMIUM.
// Prints "ok - <name>" or "not ok - <name>: <why>" per scenario; exit 1 when any failed.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

const base = process.env.WESHOPD_URL;
const token = process.env.WESHOPD_TOKEN;
const failedJob = process.env.FAILED_JOB;
const shots = process.env.SHOTS_DIR ?? 'dashboard-shots';
const port = new URL(base).port;
mkdirSync(shots, { recursive: true });

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  // evil.example: a name an attacker re-points at 127.0.0.1 (DNS rebinding).
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--host-resolver-rules=MAP evil.example 127.0.0.1'],
  defaultViewport: { width: 1366, height: 900 },
});

// Console errors and CSP reports of a page. The browser logs every non-2xx
// fetch; those the dashboard expects are not problems: 401 before the token,
// 422 for a bad submit, 404 for an input image weshopd has no copy of.
function watch(page, problems = []) {
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const expected = /status of (401|422)/.test(m.text()) ||
      (/status of 404/.test(m.text()) && /\/v1\/jobs\/[^/]+\/inputs\//.test(m.location()?.url ?? ''));
    if (!expected) problems.push(`${m.text()} ${m.location()?.url ?? ''}`);
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  return page;
}

// What the API says, from Node (as a local app would).
async function apiCall(path, init = {}) {
  const res = await fetch(base + path, { ...init, headers: { Authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });
  return { status: res.status, body: await res.json().catch(() => null) };
}

let failures = 0;
async function scenario(name, fn) {
  try {
    await fn();
    console.log(`ok - ${name}`);
  } catch (e) {
    failures++;
    console.log(`not ok - ${name}: ${e.stack ?? e}`);
  }
}

const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
const text = (page, sel) => page.$eval(sel, (el) => el.textContent.trim());
// Nothing on a page that is a program's value rather than words.
async function noLeakedValues(page) {
  assert.doesNotMatch(await text(page, 'main'), /\bnull\b|\bundefined\b|\[object |NaN/);
}
const stateOnPage = (page) => page.$eval('.facts .state', (el) => el.textContent).catch(() => '');

async function waitForState(page, state, timeout = 30000) {
  await page.waitForFunction((s) => document.querySelector('.facts .state')?.textContent === s, { timeout }, state);
}

const problems = [];
const page = watch(await browser.newPage(), problems);

await scenario('the dashboard asks for the token once and shows the status header', async () => {
  const res = await page.goto(`${base}/`, { waitUntil: 'domcontentloaded' });
  assert.equal(new URL(page.url()).pathname, '/ui/', 'GET / leads to /ui/');
  const csp = res.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(res.headers()['x-content-type-options'], 'nosniff');
  assert.equal(res.headers()['referrer-policy'], 'no-referrer');
  await page.waitForSelector('#token-dialog[open]');
  await page.type('#token-input', 'not-the-token');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('token-error').textContent.includes('not accepted'));
  await page.type('#token-input', token);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /^\d+$/.test(document.querySelector('[data-status="waiting"]').textContent));
  await page.waitForFunction(() => document.querySelector('[data-status="live"]').textContent === 'connected');
  assert.ok(!page.url().includes(token), 'the token is never in a URL');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('weshopd.token')), token);
  assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing kept beyond the tab');
  await shot(page, '01-jobs');
});

await scenario('every control of the submit form has a label', async () => {
  await page.click('a[data-nav="new"]');
  await page.waitForSelector('#agent option');
  await page.select('#agent', 'aipose@v1.0');
  await page.waitForSelector('[data-param="textDescription"]');
  const unlabelled = await page.$$eval('form.submit input, form.submit select, form.submit textarea',
    (els) => els.filter((el) => el.labels.length === 0).map((el) => el.id || el.name));
  assert.deepEqual(unlabelled, []);
  // Keyboard: the first tab stop is the skip link, and it works.
  await page.reload({ waitUntil: 'domcontentloaded' });
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
});

await scenario('a bad submit shows the server\'s errors beside the fields and creates nothing', async () => {
  const before = (await apiCall('/v1/jobs?limit=500')).body.jobs.length;
  await page.select('#agent', 'aipose@v1.0');
  await page.waitForSelector('[data-param="batchCount"]');
  await page.type('[data-param="batchCount"]', '99');
  await page.click('form.submit button[type="submit"]');
  await page.waitForFunction(() => document.getElementById('field-input-originalImage-error').textContent !== '');
  const errors = await page.$$eval('.field-error', (els) => els.filter((e) => e.textContent).map((e) => e.id));
  assert.ok(errors.includes('field-input-originalImage-error'), errors.join());
  assert.ok(errors.includes('field-params-textDescription-error'), errors.join());
  assert.ok(errors.includes('field-params-batchCount-error'), errors.join());
  assert.equal(await page.$eval('[data-param="batchCount"]', (el) => el.getAttribute('aria-invalid')), 'true');
  await noLeakedValues(page);
  assert.match(page.url(), /#\/new$/);
  await shot(page, '02-field-errors');
  assert.equal((await apiCall('/v1/jobs?limit=500')).body.jobs.length, before);
});

let submitted = null;
await scenario('a job submitted through the form (with an uploaded image) reaches succeeded live', async () => {
  await page.goto(`${base}/ui/#/new`);
  await page.waitForSelector('#agent option');
  await page.select('#agent', 'aipose@v1.0');
  // A real PNG to upload: a screenshot of a corner of the page.
  const png = join(shots, 'upload-source.png');
  await page.screenshot({ path: png, clip: { x: 0, y: 0, width: 48, height: 32 } });
  const file = await page.waitForSelector('#field-input-originalImage-file');
  await file.uploadFile(png);
  await page.waitForFunction(() => document.getElementById('field-input-originalImage').value.includes('/uploads/'));
  await page.type('#field-input-taskName', 'from the dashboard');
  await page.type('[data-param="textDescription"]', 'hands on hips');
  await page.type('[data-param="batchCount"]', '2');
  await page.click('form.submit button[type="submit"]');
  await page.waitForFunction(() => location.hash.startsWith('#/jobs/'));
  submitted = page.url().split('#/jobs/')[1];
  await page.evaluate(() => { window.sameDocument = true; }); // gone if the page reloads
  await waitForState(page, 'succeeded');
  // The timeline is read again after each event: it follows a moment later.
  await page.waitForFunction(() => [...document.querySelectorAll('.timeline li')].at(-1)?.textContent.includes('succeeded'));
  assert.equal(await page.evaluate(() => window.sameDocument), true, 'no reload');
  const timeline = await page.$$eval('.timeline li', (els) => els.map((e) => e.textContent));
  assert.ok(timeline.length >= 4, timeline.join(' | '));
});

await scenario('the job page shows the input and result thumbnails from weshopd\'s copies', async () => {
  await page.waitForFunction(() => {
    const imgs = [...document.querySelectorAll('img.thumb')];
    return imgs.length === 3 && imgs.every((i) => i.complete && i.naturalWidth > 0);
  }, { timeout: 30000 });
  const sources = await page.$$eval('img.thumb', (els) => els.map((e) => [e.src, e.naturalWidth, e.alt]));
  for (const [src] of sources) assert.match(src, /^blob:/, 'images come from weshopd, fetched with the token');
  assert.equal(sources.find(([, , alt]) => alt === 'originalImage')[1], 48, 'the uploaded image itself');
  const job = (await apiCall(`/v1/jobs/${submitted}`)).body;
  assert.equal(job.results.length, 2);
  assert.ok(job.results.every((r) => r.localUrl));
  await noLeakedValues(page);
  await shot(page, '03-job-succeeded');
});

await scenario('the job list changes live: a job submitted elsewhere appears and finishes without reload', async () => {
  await page.goto(`${base}/ui/#/`);
  await page.waitForSelector('table.jobs tbody tr');
  await page.evaluate(() => { window.sameDocument = true; });
  const created = await apiCall('/v1/jobs', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ agent: { name: 'aipose', version: 'v1.0' }, input: { originalImage: 'https://x.test/a.png', taskName: 'from a script' },
      params: { textDescription: 'walk' } }),
  });
  assert.equal(created.status, 201);
  const id = created.body.id;
  await page.waitForSelector(`tr[data-id="${id}"]`, { timeout: 10000 });
  await page.waitForSelector(`tr[data-id="${id}"][data-state="succeeded"]`, { timeout: 30000 });
  assert.equal(await page.evaluate(() => window.sameDocument), true, 'no reload');
  // Filters: failed only shows the failed job.
  await page.select('#filter-state', 'failed');
  await page.waitForFunction(() => location.hash.includes('state=failed'));
  await page.waitForSelector(`tr[data-id="${failedJob}"]`);
  const states = await page.$$eval('table.jobs tbody tr', (rows) => rows.map((r) => r.dataset.state));
  assert.ok(states.every((s) => s === 'failed'), states.join());
  await noLeakedValues(page);
  await shot(page, '04-list-failed');
});

await scenario('pictures by default: the job list shows the first result\'s thumbnail', async () => {
  await page.goto(`${base}/ui/#/`);
  await page.waitForFunction((id) => {
    const img = document.querySelector(`tr[data-id="${id}"] td.picture img`);
    return img && img.complete && img.naturalWidth > 0;
  }, { timeout: 30000 }, submitted);
  assert.match(await page.$eval(`tr[data-id="${submitted}"] td.picture img`, (i) => i.src), /^blob:/);
});

let formBatch = null;
await scenario('a batch of several images from the form fills its grid with pictures, live', async () => {
  await page.goto(`${base}/ui/#/batches/new`);
  await page.waitForSelector('#agent option');
  await page.select('#agent', 'aipose@v1.0');
  // Two different real PNGs: corners of the page.
  const pngs = [join(shots, 'batch-a.png'), join(shots, 'batch-b.png')];
  await page.screenshot({ path: pngs[0], clip: { x: 0, y: 0, width: 40, height: 30 } });
  await page.screenshot({ path: pngs[1], clip: { x: 0, y: 0, width: 30, height: 40 } });
  const picker = await page.waitForSelector('#batch-files');
  await picker.uploadFile(...pngs);
  await page.waitForFunction(() => document.querySelectorAll('.file-list li').length === 2);
  const unlabelled = await page.$$eval('form.submit input, form.submit select, form.submit textarea',
    (els) => els.filter((el) => el.labels.length === 0).map((el) => el.id || el.name));
  assert.deepEqual(unlabelled, []);
  await page.waitForSelector('[data-param="textDescription"]');
  await page.type('[data-param="textDescription"]', 'arms crossed');
  await page.click('form.submit button[type="submit"]');
  await page.waitForFunction(() => /^#\/batches\/[0-9a-f-]{36}$/.test(location.hash), { timeout: 20000 });
  formBatch = page.url().split('#/batches/')[1];
  await page.waitForFunction(() => document.querySelectorAll('.tile').length === 2);
  const names = await page.$$eval('.tile .tile-name', (els) => els.map((e) => e.textContent));
  assert.deepEqual(names, ['batch-a.png', 'batch-b.png']);
  await page.waitForFunction(() => [...document.querySelectorAll('.tile .tile-state')].every((e) => e.textContent === 'succeeded'),
    { timeout: 60000 });
  await page.waitForFunction(() => {
    const imgs = [...document.querySelectorAll('.tile img.thumb')];
    return imgs.length === 2 && imgs.every((i) => i.complete && i.naturalWidth > 0);
  }, { timeout: 60000 });
  await waitForState(page, 'succeeded');
  const batch = (await apiCall(`/v1/batches/${formBatch}`)).body;
  assert.equal(batch.counts.succeeded, 2);
  assert.match(await text(page, '.facts'), /2 succeeded/);
  await noLeakedValues(page);
  await shot(page, '05-batch-pictures');
});

await scenario('a running batch is canceled from its page, then retried', async () => {
  const created = await apiCall('/v1/batches', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ agent: { name: 'aipose', version: 'v1.0' }, params: { textDescription: 'to be canceled' },
      items: [1, 2, 3].map((n) => ({ input: { originalImage: `https://x.test/${n}.png` }, taskName: `item ${n}` })) }),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;
  await page.goto(`${base}/ui/#/batches/${id}`);
  await page.waitForFunction(() => document.querySelectorAll('.tile').length === 3);
  await page.locator('::-p-text(Cancel batch)').click();
  await waitForState(page, 'canceled');
  await page.waitForFunction(() => [...document.querySelectorAll('.tile')].every((t) => t.dataset.state === 'canceled'));
  await shot(page, '06-batch-canceled');
  await page.locator('::-p-text(Retry failed and canceled)').click();
  await page.waitForFunction((old) => /^#\/batches\//.test(location.hash) && !location.hash.endsWith(old), {}, id);
  const retry = page.url().split('#/batches/')[1];
  assert.equal((await apiCall(`/v1/batches/${retry}`)).body.retryOf, id);
  await page.waitForFunction((old) => document.querySelector('.facts')?.textContent.includes(old), {}, id);
  await page.waitForFunction(() => document.querySelectorAll('.tile').length === 3);

  // The batch list: every batch with its progress bar.
  await page.goto(`${base}/ui/#/batches`);
  for (const b of [formBatch, id, retry]) await page.waitForSelector(`table.batches tr[data-id="${b}"] .progress`);
  assert.equal(await page.$eval(`tr[data-id="${formBatch}"]`, (r) => r.dataset.state), 'succeeded');
  await noLeakedValues(page);
  await shot(page, '07-batches');
});

await scenario('a running job is canceled from its page', async () => {
  const created = await apiCall('/v1/jobs', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ agent: { name: 'aipose', version: 'v1.0' }, input: { originalImage: 'https://x.test/a.png' },
      params: { textDescription: 'to be canceled' } }),
  });
  const id = created.body.id;
  await page.goto(`${base}/ui/#/jobs/${id}`);
  // A locator finds the button again when the page re-renders the moving job
  // between finding it and clicking it (a held handle would be detached).
  await page.locator('::-p-text(Cancel job)').click();
  await waitForState(page, 'canceled');
  assert.equal((await apiCall(`/v1/jobs/${id}`)).body.state, 'canceled');
  await shot(page, '08-canceled');
});

await scenario('a failed job shows its error and is retried as a new job', async () => {
  await page.goto(`${base}/ui/#/jobs/${failedJob}`);
  await page.waitForSelector('.error-box');
  const code = (await apiCall(`/v1/jobs/${failedJob}`)).body.error.code;
  assert.match(await text(page, '.error-box'), new RegExp(code));
  await noLeakedValues(page);
  await shot(page, '09-failed');
  await page.locator('::-p-text(Retry as a new job)').click();
  await page.waitForFunction((old) => location.hash.startsWith('#/jobs/') && !location.hash.endsWith(old), {}, failedJob);
  const retry = page.url().split('#/jobs/')[1];
  await page.waitForFunction((old) => document.querySelector('.facts')?.textContent.includes(old), {}, failedJob);
  assert.equal((await apiCall(`/v1/jobs/${retry}`)).body.retryOf, failedJob);
  await waitForState(page, 'failed'); // the sim fails it again ("sim:fail" in its task name), live
  assert.notEqual(await stateOnPage(page), '');
});

await scenario('DNS rebinding: a page under another name is refused', async () => {
  const evil = watch(await browser.newPage());
  const res = await evil.goto(`http://evil.example:${port}/ui/`);
  assert.equal(res.status(), 421);
  const api = await evil.goto(`http://evil.example:${port}/v1/jobs`);
  assert.equal(api.status(), 421);
  await evil.close();
});

await scenario('cross-origin: another site\'s form post and fetch change nothing', async () => {
  const before = (await apiCall('/v1/jobs?limit=500')).body.jobs.length;
  const body = JSON.stringify({ agent: { name: 'aipose', version: 'v1.0' }, input: { originalImage: 'https://x.test/a.png' },
    params: { textDescription: 'csrf' } });
  const attacker = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end(`<!doctype html><form id=f method=POST action="${base}/v1/jobs" enctype="text/plain">
      <input name='${body.slice(0, -2)}' value='"}'></form>
      <script>fetch("${base}/v1/jobs", {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"},
        body: ${JSON.stringify(body)}}).finally(() => document.getElementById("f").submit());</script>`);
  });
  await new Promise((r) => attacker.listen(0, '127.0.0.1', r));
  const evil = watch(await browser.newPage());
  const statuses = [];
  evil.on('response', (r) => { if (r.url().startsWith(`${base}/v1/jobs`)) statuses.push(r.status()); });
  await evil.goto(`http://127.0.0.1:${attacker.address().port}/`);
  await evil.waitForNavigation({ timeout: 10000 }).catch(() => {});
  await new Promise((r) => setTimeout(r, 500));
  attacker.close();
  await evil.close();
  assert.ok(statuses.length >= 1, 'the requests were sent');
  assert.ok(statuses.every((s) => s === 403), statuses.join());
  assert.equal((await apiCall('/v1/jobs?limit=500')).body.jobs.length, before);
});

await scenario('no script error and no Content-Security-Policy violation on our pages', async () => {
  assert.deepEqual(problems, []);
});

await browser.close();
process.exit(failures ? 1 : 0);
