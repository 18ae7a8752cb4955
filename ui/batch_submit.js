// A batch from several images: pick or drop files, choose one agent and its
// params (the same controls as the job form), then each file goes to
// POST /v1/uploads and one POST /v1/batches names them all; the batch page
// opens. The server's 422 details are shown beside the params or per file.

import { api } from './api.js';
import { h } from './dom.js';
import { fieldId, paramControl, hintOf, fieldBlock } from './submit.js';

const accepted = ['image/png', 'image/jpeg', 'image/webp'];

export function showBatchSubmit(main) {
  const controller = new AbortController();
  const form = h('form', { class: 'submit', novalidate: true });
  const agentSelect = h('select', { id: 'agent', name: 'agent', required: true });
  const picker = h('input', { id: 'batch-files', type: 'file', multiple: true, accept: accepted.join(',') });
  const drop = h('div', { class: 'drop', tabindex: -1 },
    h('label', { for: 'batch-files' }, 'Images (pick several, or drop them here)'), picker);
  const list = h('ol', { class: 'file-list', 'aria-label': 'Chosen images' });
  const params = h('div');
  const formErrors = h('div', { class: 'form-errors', role: 'alert', tabindex: -1 });
  const progress = h('p', { class: 'hint', role: 'status' });
  const submit = h('button', { type: 'submit' }, 'Submit batch');
  let agents = [];
  let files = [];

  main.append(h('h1', {}, 'New batch'), form);
  form.append(fieldBlock('Agent', agentSelect, 'agent', 'one agent for every image'), drop, list, params,
    formErrors, progress, submit);

  const current = () => agents.find((a) => `${a.name}@${a.version}` === agentSelect.value);

  function showFiles() {
    list.replaceChildren(...files.map((f, n) => h('li', { dataset: { n } }, f.name,
      h('span', { class: 'muted' }, ` ${Math.ceil(f.size / 1024)} KiB`), h('small', { class: 'field-error' }))));
  }
  function addFiles(chosen) {
    files = files.concat([...chosen].filter((f) => accepted.includes(f.type)));
    showFiles();
  }
  picker.addEventListener('change', () => { addFiles(picker.files); picker.value = ''; });
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); addFiles(e.dataTransfer.files); });

  function build() {
    const agent = current();
    params.replaceChildren();
    if (!agent) return;
    const set = h('fieldset', {}, h('legend', {}, 'Params, shared by every image'));
    for (const p of agent.params) {
      const id = fieldId(`/params/${p.name}`);
      const control = paramControl(p, id);
      control.dataset.param = p.name;
      control.dataset.type = p.type;
      set.append(fieldBlock(p.name, control, id, hintOf(p)));
    }
    params.append(h('p', { class: 'muted' }, agent.purpose ?? ''), set);
  }

  function shared() {
    const out = {};
    for (const el of params.querySelectorAll('[data-param]')) {
      const v = el.value.trim();
      if (v) out[el.dataset.param] = el.dataset.type === 'integer' && /^-?\d+$/.test(v) ? Number(v) : v;
    }
    return out;
  }

  function clearErrors() {
    formErrors.replaceChildren();
    for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  }

  // /params/x beside the param; /items/N/... beside the Nth file; the rest above the button.
  function showErrors(err) {
    const general = [];
    for (const d of err.details) {
      const item = /^\/items\/(\d+)/.exec(d.field ?? '');
      const slot = item ? list.querySelector(`li[data-n="${item[1]}"] .field-error`)
        : document.getElementById(`${fieldId(d.field ?? '')}-error`);
      if (slot) slot.textContent = slot.textContent ? `${slot.textContent}; ${d.message}` : d.message;
      else general.push(`${d.field}: ${d.message}`);
      if (!item) document.getElementById(fieldId(d.field ?? ''))?.setAttribute('aria-invalid', 'true');
    }
    formErrors.append(h('p', {}, err.message));
    if (general.length) formErrors.append(h('ul', {}, general.map((g) => h('li', {}, g))));
    formErrors.focus();
  }

  async function send() {
    const agent = current();
    const items = [];
    for (const [n, f] of files.entries()) {
      progress.textContent = `Uploading ${n + 1} of ${files.length}: ${f.name}`;
      const saved = await api('/v1/uploads', { method: 'POST', body: f, signal: controller.signal });
      items.push({ input: { originalImage: saved.path }, taskName: f.name });
    }
    progress.textContent = 'Submitting the batch…';
    return api('/v1/batches', { method: 'POST', signal: controller.signal,
      body: { agent: { name: agent.name, version: agent.version }, params: shared(), items } });
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors();
    if (!files.length) { formErrors.append(h('p', {}, 'Choose at least one image.')); return; }
    submit.disabled = true;
    try {
      const b = await send();
      location.hash = `#/batches/${b.id}`;
    } catch (err) {
      if (err.name === 'AbortError') return;
      if (err.details?.length) showErrors(err);
      else formErrors.append(h('p', {}, `Not submitted: ${err.message}`));
    } finally {
      submit.disabled = false;
      progress.textContent = '';
    }
  });
  agentSelect.addEventListener('change', () => { clearErrors(); build(); });

  api('/v1/agents', { signal: controller.signal }).then((catalog) => {
    // Only agents that take one image as originalImage fit "a folder of photos".
    agents = catalog.agents.filter((a) => a.inputs.some((i) => i.name === 'originalImage'));
    agentSelect.append(...agents.map((a) => h('option', { value: `${a.name}@${a.version}` }, `${a.name} ${a.version}`)));
    build();
  }).catch((err) => formErrors.append(h('p', {}, `Could not load the agents: ${err.message}`)));

  return () => controller.abort();
}
