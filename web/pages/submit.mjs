// <jf-submit>: submit a job. The form is made from the type's JSON Schema
// and starts from its sample payload; a raw JSON tab edits the same payload
// whole. The server validates it: a schema violation is shown at the field
// its JSON path names, and nothing is queued. Submitted, the job's page
// opens; with "wait for the result" the page waits for the job's end
// (POST /api/jobs?wait=) and shows its outcome here instead. Opened from a
// job (#/submit?from=ID), it starts from that job's payload and options.

import { el, replace } from '../lib/dom.mjs';
import { PRIORITIES } from '../lib/query.mjs';
import { jobHref } from '../lib/router.mjs';
import { assemble, describe, initialText, violationsByPath } from '../lib/schema_form.mjs';
import { api } from '../lib/session.mjs';
import { optionTexts, requestOptions } from '../lib/submit_options.mjs';
import '../components/json-view.mjs';

// How long submit-and-wait waits at most; the server allows up to 300 s.
const WAIT_SECONDS = 60;

// The options besides priority and tags: [name, label, input attributes].
const OPTIONS = [
  ['run_at', 'run at', { type: 'datetime-local' }],
  ['run_in', 'run in', { type: 'text', placeholder: '30s, 5m, 2h' }],
  ['max_attempts', 'max attempts', { type: 'number', min: 1, step: 1 }],
  ['timeout', 'timeout', { type: 'text', placeholder: '30s, 5m' }],
  ['unique_key', 'unique key', { type: 'text' }],
  ['depends_on', 'depends on', { type: 'text', placeholder: 'job ids' }],
];

function input(field) {
  const id = `field-${field.path}`;
  const start = initialText(field);
  if (field.kind === 'boolean') return el('input', { id, type: 'checkbox', checked: start, dataset: { path: field.path } });
  if (field.kind === 'enum') {
    return el('select', { id, dataset: { path: field.path } }, field.required ? null : el('option', { value: '' }, '—'),
      field.options.map((o) => el('option', { value: JSON.stringify(o), selected: JSON.stringify(o) === start }, String(o))));
  }
  if (field.kind === 'json' || field.kind === 'array') return el('textarea', { id, dataset: { path: field.path }, spellcheck: 'false' }, start);
  const numeric = field.kind === 'integer' || field.kind === 'number';
  return el('input', {
    id, dataset: { path: field.path }, type: numeric ? 'number' : 'text', value: start,
    step: field.kind === 'integer' ? 1 : numeric ? 'any' : null, min: field.minimum, max: field.maximum,
    minlength: field.minLength, maxlength: field.maxLength, required: field.required,
  });
}

function limits(field) {
  const parts = [];
  if (field.minimum !== undefined) parts.push(`≥ ${field.minimum}`);
  if (field.maximum !== undefined) parts.push(`≤ ${field.maximum}`);
  if (field.minLength !== undefined) parts.push(`at least ${field.minLength} characters`);
  if (field.maxLength !== undefined) parts.push(`at most ${field.maxLength} characters`);
  if (field.kind === 'json') parts.push('JSON');
  if (field.kind === 'array') {
    parts.push(`a JSON list${field.items ? ` of ${field.items}s` : ''}`);
    if (field.minItems !== undefined) parts.push(`at least ${field.minItems} items`);
    if (field.maxItems !== undefined) parts.push(`at most ${field.maxItems} items`);
  }
  return parts.join(', ');
}

function fieldBlock(field) {
  const problem = el('ul', { class: 'error field-error', dataset: { errorFor: field.path }, hidden: true });
  if (field.kind === 'object') {
    return el('fieldset', { class: 'field-group' }, el('legend', {}, field.name), problem, field.fields.map(fieldBlock));
  }
  const help = [field.description, limits(field)].filter(Boolean).join(' · ');
  return el('div', { class: 'field' },
    el('label', { for: `field-${field.path}` }, field.name, field.required ? el('span', { class: 'required', title: 'required' }, ' *') : null),
    input(field), help ? el('small', { class: 'muted' }, help) : null, problem);
}

class SubmitPage extends HTMLElement {
  session = null;
  route = null;
  #types = [];
  #fields = [];
  #parts = {};

  async connectedCallback() {
    const p = this.#parts;
    p.type = el('select', { id: 'submit-type', 'aria-label': 'job type' });
    p.description = el('p', { class: 'muted' });
    p.form = el('div', { id: 'payload-form' });
    p.raw = el('textarea', { id: 'payload-raw', spellcheck: 'false', hidden: true, 'aria-label': 'payload as JSON' });
    p.rawTab = el('button', { type: 'button', id: 'tab-raw' }, 'Raw JSON');
    p.formTab = el('button', { type: 'button', id: 'tab-form', disabled: true }, 'Form');
    p.priority = el('select', { id: 'submit-priority', 'aria-label': 'priority' }, el('option', { value: '' }, 'the type\'s default'),
      PRIORITIES.map((x) => el('option', { value: x }, x)));
    p.tags = el('input', { id: 'submit-tags', type: 'text', placeholder: 'vip, nightly', 'aria-label': 'tags' });
    p.options = Object.fromEntries(OPTIONS.map(([name, label, attrs]) =>
      [name, el('input', { id: `submit-${name.replace('_', '-')}`, 'aria-label': label, ...attrs })]));
    p.optionErrors = Object.fromEntries(['priority', 'tags', ...OPTIONS.map(([n]) => n)].map((name) =>
      [name, el('small', { class: 'error field-error', dataset: { optionError: name }, hidden: true })]));
    p.wait = el('input', { id: 'submit-wait', type: 'checkbox' });
    p.outcome = el('section', { id: 'submit-outcome', hidden: true });
    p.problem = el('ul', { class: 'error', id: 'submit-error', role: 'alert', hidden: true });
    p.submit = el('button', { type: 'submit', id: 'submit-job' }, 'Submit');
    p.rawTab.addEventListener('click', () => this.#showRaw(true));
    p.formTab.addEventListener('click', () => this.#showRaw(false));
    p.type.addEventListener('change', () => this.#choose(p.type.value));
    // novalidate: the server checks the payload against the schema and its
    // answer names each field; the browser's own checks would say less.
    const form = el('form', { class: 'submit', novalidate: true },
      el('label', { class: 'control' }, 'type', p.type), p.description,
      el('div', { class: 'tabs' }, p.formTab, p.rawTab), p.form, p.raw,
      el('h2', {}, 'Options'),
      el('div', { class: 'filters' }, el('label', { class: 'control' }, 'priority', p.priority, p.optionErrors.priority),
        el('label', { class: 'control' }, 'tags', p.tags, p.optionErrors.tags),
        OPTIONS.map(([name, label]) => el('label', { class: 'control' }, label, p.options[name], p.optionErrors[name]))),
      p.problem,
      el('div', {}, p.submit, ' ', el('label', {}, p.wait, ` wait for the result (up to ${WAIT_SECONDS} s)`)),
      p.outcome);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#send();
    });
    replace(this, el('h1', {}, 'Submit a job'), form);
    try {
      this.#types = (await api('/api/job-types')).items;
    } catch (e) {
      return this.#fail([`Cannot read the job types: ${e.message}`]);
    }
    replace(p.type, this.#types.map((t) => el('option', { value: t.name }, t.name)));
    const from = this.route?.params.get('from');
    if (from) return this.#startFrom(from);
    const wanted = this.route?.params.get('type');
    this.#choose(this.#types.some((t) => t.name === wanted) ? wanted : this.#types[0]?.name);
  }

  /** "Submit like this": job `id`'s type, payload, priority, limits and tags. */
  async #startFrom(id) {
    let job;
    try {
      job = await api(`/api/jobs/${encodeURIComponent(id)}`);
    } catch (e) {
      this.#choose(this.#types[0]?.name);
      return this.#fail([`Cannot read job ${id}: ${e.message}`]);
    }
    if (!this.#types.some((t) => t.name === job.type)) {
      this.#choose(this.#types[0]?.name);
      return this.#fail([`Job ${id}'s type ${job.type} is not registered here.`]);
    }
    this.#choose(job.type, job.payload);
    const texts = optionTexts(job);
    this.#parts.priority.value = texts.priority;
    this.#parts.tags.value = texts.tags;
    this.#parts.options.max_attempts.value = texts.max_attempts;
    this.#parts.options.timeout.value = texts.timeout;
  }

  #choose(name, payload) {
    const p = this.#parts;
    const type = this.#types.find((t) => t.name === name);
    if (!type) return;
    p.type.value = name;
    replace(p.description, type.description ?? '');
    const start = payload === undefined ? type.sample_payload : payload;
    this.#fields = describe(type.schema, start);
    replace(p.form, this.#fields.map(fieldBlock));
    p.raw.value = JSON.stringify(start ?? {}, null, 2);
    this.#showRaw(this.#fields.length === 0);
    this.#clearErrors();
  }

  #values() {
    const values = {};
    for (const control of this.#parts.form.querySelectorAll('[data-path]')) {
      values[control.dataset.path] = control.type === 'checkbox' ? control.checked : control.value;
    }
    return values;
  }

  #showRaw(raw) {
    const p = this.#parts;
    if (raw && !p.form.hidden) {
      // The raw tab starts from what the form holds, when it holds a payload.
      const { payload, errors } = assemble(this.#fields, this.#values());
      if (Object.keys(errors).length === 0 && this.#fields.length > 0) p.raw.value = JSON.stringify(payload, null, 2);
    }
    p.form.hidden = raw;
    p.raw.hidden = !raw;
    p.rawTab.disabled = raw;
    p.formTab.disabled = !raw || this.#fields.length === 0;
  }

  #clearErrors() {
    for (const list of this.querySelectorAll('[data-error-for], [data-option-error]')) list.hidden = true;
    this.#parts.problem.hidden = true;
    this.#parts.outcome.hidden = true;
  }

  #fail(lines) {
    replace(this.#parts.problem, lines.map((l) => el('li', {}, l)));
    this.#parts.problem.hidden = false;
  }

  #showAtFields(byPath) {
    const left = [];
    for (const [path, messages] of Object.entries(byPath)) {
      const list = this.querySelector(`[data-error-for="${CSS.escape(path)}"]`);
      if (list && !this.#parts.form.hidden) {
        replace(list, messages.map((m) => el('li', {}, m)));
        list.hidden = false;
      } else {
        left.push(...messages.map((m) => (path === '$' ? m : `${path}: ${m}`)));
      }
    }
    if (left.length) this.#fail(left);
  }

  async #send() {
    const p = this.#parts;
    this.#clearErrors();
    let payload;
    if (p.form.hidden) {
      try {
        payload = JSON.parse(p.raw.value);
      } catch (e) {
        return this.#fail([`The payload is not JSON: ${e.message}. Nothing was sent.`]);
      }
    } else {
      const made = assemble(this.#fields, this.#values());
      if (Object.keys(made.errors).length > 0) {
        return this.#showAtFields(Object.fromEntries(Object.entries(made.errors).map(([k, v]) => [k, [v]])));
      }
      payload = made.payload;
    }
    const texts = { priority: p.priority.value, tags: p.tags.value };
    for (const [name, control] of Object.entries(p.options)) texts[name] = control.value;
    const { options, errors } = requestOptions(texts);
    if (Object.keys(errors).length > 0) {
      for (const [name, message] of Object.entries(errors)) this.#showOptionError(name, message);
      return;
    }
    const request = { type: p.type.value, payload, ...options };
    const wait = p.wait.checked;
    p.submit.disabled = true;
    try {
      const job = await api(wait ? `/api/jobs?wait=${WAIT_SECONDS}` : '/api/jobs', { method: 'POST', body: request });
      if (wait) this.#showOutcome(job);
      else location.hash = jobHref(job.id);
    } catch (e) {
      const violations = e.details?.violations;
      if (Array.isArray(violations)) this.#showAtFields(violationsByPath(this.#fields, violations));
      else if (this.#optionNamed(e)) this.#showOptionError(this.#optionNamed(e), e.message);
      else this.#fail([`Refused: ${e.message}`]);
    } finally {
      p.submit.disabled = false;
    }
  }

  /** The option a 400 answer names (details.field), if the page has a control for it. */
  #optionNamed(e) {
    const field = e.details?.field;
    const name = { run_in_ms: 'run_in', timeout_ms: 'timeout' }[field] ?? field;
    return name in this.#parts.optionErrors ? name : null;
  }

  #showOptionError(name, message) {
    const slot = this.#parts.optionErrors[name];
    replace(slot, message);
    slot.hidden = false;
  }

  /** Submit-and-wait's answer: the job's end (or that it goes on) and its result or error. */
  #showOutcome(job) {
    const p = this.#parts;
    const view = document.createElement('jf-json-view');
    const ended = ['completed', 'failed', 'canceled'].includes(job.status);
    view.value = job.status === 'completed' ? job.result : job.error ?? null;
    replace(p.outcome, el('h2', {}, 'Outcome'),
      el('p', {}, el('span', { class: `badge status-${job.status}`, id: 'outcome-status' }, job.status), ' ',
        ended ? '' : `still ${job.status} after ${WAIT_SECONDS} s; it goes on. `,
        el('a', { href: jobHref(job.id), id: 'outcome-link' }, `job ${job.id}`)),
      ended && (job.result !== undefined || job.error) ? view : null);
    p.outcome.hidden = false;
  }
}

customElements.define('jf-submit', SubmitPage);
