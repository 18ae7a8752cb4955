// Validates weshopd's real responses against openapi/weshopd.yaml.
//   node check-responses.mjs weshopd.yaml recording.jsonl
// Each line of the recording: {"method", "path" (with query), "status",
// "content_type", "body"}. For each: the route and method must be in the
// spec, the status documented, the content type one the spec lists, and a
// JSON body (or each event's data, for text/event-stream: x-sse-data; each
// line, for application/x-ndjson: x-line-schema) must validate against its schema. Then every operation of the spec must have
// been exercised at least once. Exits 1 on any problem, listing them all.

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const [specPath, recordingPath] = process.argv.slice(2);
const spec = parse(readFileSync(specPath, 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(spec, 'spec');

const pointer = (parts) => '/' + parts.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
const resolve = (ref) => ref.slice(2).split('/').map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
const at = (parts) => parts.reduce((node, p) => node?.[p], spec);

const routes = Object.keys(spec.paths).map((template) => ({
  template,
  regex: new RegExp('^' + template.replace(/\{[^}]+\}/g, '[^/]+') + '$'),
}));
const methods = ['get', 'post', 'put', 'patch', 'delete'];
const exercised = new Set();
const problems = [];

function validate(schemaPointer, value, what) {
  const check = ajv.getSchema('spec#' + schemaPointer);
  if (!check) {
    problems.push(`${what}: no schema at ${schemaPointer}`);
    return;
  }
  if (!check(value))
    problems.push(`${what}: ${ajv.errorsText(check.errors, { separator: '; ' })}\n    body: ${JSON.stringify(value).slice(0, 400)}`);
}

function sseData(text) {
  const events = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const data = block.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, ''));
    if (data.length) events.push(data.join('\n'));
  }
  return events;
}

const lines = readFileSync(recordingPath, 'utf8').split('\n').filter(Boolean);
for (const line of lines) {
  const r = JSON.parse(line);
  const path = r.path.split('?')[0];
  const what = `${r.method} ${r.path} -> ${r.status}`;
  const route = routes.find((x) => x.regex.test(path));
  if (!route) { problems.push(`${what}: the route is not in the spec`); continue; }
  const method = r.method.toLowerCase();
  const operation = spec.paths[route.template][method];
  if (!operation) { // a method the route does not take: 405 with the error shape (see info.description)
    if (r.status !== 405) problems.push(`${what}: the method is not in the spec, so 405 was due`);
    else validate('/components/schemas/Error', JSON.parse(r.body), what);
    continue;
  }
  exercised.add(`${method} ${route.template}`);
  let responseParts = ['paths', route.template, method, 'responses', String(r.status)];
  let response = at(responseParts);
  if (!response) { problems.push(`${what}: status ${r.status} is not documented`); continue; }
  if (response.$ref) { responseParts = resolve(response.$ref); response = at(responseParts); }
  const type = (r.content_type || '').split(';')[0].trim();
  if (!response.content) {
    if (r.body) problems.push(`${what}: the spec says no body, got ${type}`);
    continue;
  }
  if (!(type in response.content)) {
    problems.push(`${what}: content type ${type || '(none)'} is not one of ${Object.keys(response.content).join(', ')}`);
    continue;
  }
  const mediaParts = [...responseParts, 'content', type];
  if (type === 'application/json') {
    let body;
    try { body = JSON.parse(r.body); } catch { problems.push(`${what}: the body is not JSON`); continue; }
    validate(pointer([...mediaParts, 'schema']), body, what);
  } else if (type === 'text/event-stream') {
    const events = sseData(r.body);
    if (!at([...mediaParts, 'x-sse-data'])) problems.push(`${what}: the spec gives no x-sse-data schema`);
    events.forEach((data, i) => {
      let value;
      try { value = JSON.parse(data); } catch { problems.push(`${what}: event ${i} data is not JSON`); return; }
      validate(pointer([...mediaParts, 'x-sse-data']), value, `${what} event ${i}`);
    });
  } else if (type === 'application/x-ndjson') {
    if (!at([...mediaParts, 'x-line-schema'])) problems.push(`${what}: the spec gives no x-line-schema`);
    r.body.split('\n').filter(Boolean).forEach((line, i) => {
      let value;
      try { value = JSON.parse(line); } catch { problems.push(`${what}: line ${i} is not JSON`); return; }
      validate(pointer([...mediaParts, 'x-line-schema']), value, `${what} line ${i}`);
    });
  }
}

for (const [template, item] of Object.entries(spec.paths))
  for (const method of methods)
    if (item[method] && !exercised.has(`${method} ${template}`))
      problems.push(`${method.toUpperCase()} ${template}: in the spec but not exercised by the recording`);

if (problems.length) {
  console.error(`${problems.length} problem(s) in ${lines.length} responses:\n- ` + problems.join('\n- '));
  process.exit(1);
}
console.log(`all ${lines.length} responses match ${specPath}; every operation exercised`);
