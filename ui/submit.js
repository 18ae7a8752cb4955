// The submit form, built from GET /v1/agents: every input and param with its
// type, allowed values and range as native controls (so the browser gives the
// first hints), a local image sent to POST /v1/uploads, and the server's 422
// details shown beside the fields they name.

import { api } from './api.js';
import { h } from './dom.js';

export function fieldId(pointer) { return `field-${pointer.replaceAll('/', '-').replace(/^-/, '')}`; }

// One control for a param, by its type.
export function paramControl(p, id) {
  const common = { id, name: p.name, 'aria-describedby': `${id}-hint ${id}-error` };
  if (p.type === 'enum')
    return h('select', common, p.required ? null : h('option', { value: '' }, p.default !== undefined ? `(default: ${p.default})` : '(not set)'),
      p.values.map((v) => h('option', { value: v }, v)));
  if (p.type === 'integer')
    return h('input', { ...common, type: 'number', step: 1, min: p.min, max: p.max, placeholder: p.default ?? '', inputmode: 'numeric' });
  if (p.type === 'url') return h('input', { ...common, type: 'url', placeholder: 'https://…' });
  if (p.type === 'hexcolor') return h('input', { ...common, type: 'text', pattern: '#?[0-9a-fA-F]{6}', placeholder: '#ffffff' });
  if (p.type === 'base64png') return h('textarea', { ...common, rows: 2, placeholder: 'base64 of a PNG (or pick a file below)' });
  return h('input', { ...common, type: 'text' });
}

export function hintOf(p) {
  const bits = [p.type === 'enum' ? 'one of the listed values' : p.type];
  if (p.min !== undefined || p.max !== undefined) bits.push(`${p.min ?? '…'} to ${p.max ?? '…'}`);
  if (p.default !== undefined) bits.push(`default ${p.default}`);
  if (p.required) bits.push('required');
  return [bits.join(', '), p.description].filter(Boolean).join(' — ');
}

export function fieldBlock(label, control, id, hint, extra = null) {
  return h('div', { class: 'field', 'data-pointer': id },
    h('label', { for: id }, label), control, extra,
    h('small', { id: `${id}-hint`, class: 'hint' }, hint),
    h('small', { id: `${id}-error`, class: 'field-error', role: 'alert' }));
}

export function showSubmit(main, params) {
  const controller = new AbortController();
  const form = h('form', { class: 'submit', novalidate: true });
  const agentSelect = h('select', { id: 'agent', name: 'agent', required: true });
  const fields = h('div');
  const formErrors = h('div', { class: 'form-errors', role: 'alert', tabindex: -1 });
  const submit = h('button', { type: 'submit' }, 'Submit job');
  let agents = [];

  main.append(h('h1', {}, 'New job'), form);
  form.append(fieldBlock('Agent', agentSelect, 'agent', 'what to make'), fields, formErrors, submit);

  function current() { return agents.find((a) => `${a.name}@${a.version}` === agentSelect.value); }

  function build() {
    const agent = current();
    fields.replaceChildren();
    if (!agent) return;
    fields.append(h('p', { class: 'muted' }, agent.purpose ?? ''));
    const inputSet = h('fieldset', {}, h('legend', {}, 'Input'));
    for (const input of agent.inputs) {
      const id = fieldId(`/input/${input.name}`);
      const text = h('input', { id, name: input.name, type: 'text', 'data-input': input.name, required: input.required,
        'aria-describedby': `${id}-hint ${id}-error`, placeholder: input.type === 'image' ? 'https://… or /path/under/uploads.roots' : '' });
      let extra = null;
      if (input.type === 'image') {
        const fileId = `${id}-file`;
        const file = h('input', { id: fileId, type: 'file', accept: 'image/png,image/jpeg,image/webp' });
        const note = h('small', { class: 'hint', role: 'status' });
        file.addEventListener('change', async () => {
          if (!file.files[0]) return;
          note.textContent = 'Uploading…';
          try {
            const saved = await api('/v1/uploads', { method: 'POST', body: file.files[0] });
            text.value = saved.path;
            note.textContent = `Uploaded (${saved.bytes} bytes).`;
          } catch (e) {
            note.textContent = `Upload refused: ${e.message}`;
          }
        });
        extra = h('div', { class: 'file' }, h('label', { for: fileId }, 'or send a file from this computer'), file, note);
      }
      inputSet.append(fieldBlock(input.name, text, id,
        [input.type, input.required ? 'required' : 'optional', input.description].filter(Boolean).join(' — '), extra));
    }
    const paramSet = h('fieldset', {}, h('legend', {}, 'Params'));
    for (const p of agent.params) {
      const id = fieldId(`/params/${p.name}`);
      const control = paramControl(p, id);
      control.dataset.param = p.name;
      control.dataset.type = p.type;
      let extra = null;
      if (p.type === 'base64png') {
        const file = h('input', { id: `${id}-file`, type: 'file', accept: 'image/png' });
        file.addEventListener('change', async () => {
          const bytes = new Uint8Array(await file.files[0].arrayBuffer());
          let bin = '';
          for (const b of bytes) bin += String.fromCharCode(b);
          control.value = btoa(bin);
        });
        extra = h('div', { class: 'file' }, h('label', { for: `${id}-file` }, 'PNG file'), file);
      }
      paramSet.append(fieldBlock(p.name, control, id, hintOf(p), extra));
    }
    fields.append(inputSet, paramSet);
    if (agent.rules?.length)
      fields.append(h('section', { class: 'rules' }, h('h2', {}, 'Rules'), h('ul', {}, agent.rules.map((r) => h('li', {}, r)))));
    if (agent.warnings?.length)
      fields.append(h('section', { class: 'rules' }, h('h2', {}, 'Accepted, with a warning'),
        h('ul', {}, agent.warnings.map((r) => h('li', {}, r)))));
  }

  function request() {
    const agent = current();
    const body = { agent: { name: agent.name, version: agent.version }, input: {}, params: {} };
    for (const el of fields.querySelectorAll('[data-input]'))
      if (el.value.trim()) body.input[el.dataset.input] = el.value.trim();
    for (const el of fields.querySelectorAll('[data-param]')) {
      const v = el.value.trim();
      if (!v) continue;
      // Numbers are sent as numbers (or as typed, for the server to name the problem).
      body.params[el.dataset.param] = el.dataset.type === 'integer' && /^-?\d+$/.test(v) ? Number(v) : v;
    }
    return body;
  }

  function clearErrors() {
    formErrors.replaceChildren();
    for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  }

  function showErrors(err) {
    const general = [];
    for (const d of err.details) {
      const id = fieldId(d.field);
      const slot = document.getElementById(`${id}-error`);
      if (slot) {
        slot.textContent = slot.textContent ? `${slot.textContent}; ${d.message}` : d.message;
        document.getElementById(id)?.setAttribute('aria-invalid', 'true');
      } else {
        general.push(`${d.field}: ${d.message}`);
      }
    }
    formErrors.append(h('p', {}, err.message));
    if (general.length) formErrors.append(h('ul', {}, general.map((g) => h('li', {}, g))));
    (form.querySelector('[aria-invalid="true"]') ?? formErrors).focus?.();
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors();
    submit.disabled = true;
    try {
      const job = await api('/v1/jobs', { method: 'POST', body: request() });
      location.hash = `#/jobs/${job.id}`;
    } catch (err) {
      if (err.details?.length || err.status === 422) showErrors(err);
      else formErrors.append(h('p', {}, `Not submitted: ${err.message}`));
    } finally {
      submit.disabled = false;
    }
  });
  agentSelect.addEventListener('change', () => { clearErrors(); build(); });

  api('/v1/agents', { signal: controller.signal }).then((catalog) => {
    agents = catalog.agents;
    agentSelect.append(...agents.map((a) => h('option', { value: `${a.name}@${a.version}` }, `${a.name} ${a.version}`)));
    const wanted = params.get('agent');
    const match = agents.find((a) => a.name === wanted);
    if (match) agentSelect.value = `${match.name}@${match.version}`;
    build();
  }).catch((e) => formErrors.append(h('p', {}, `Could not load the agents: ${e.message}`)));

  return () => controller.abort();
}
