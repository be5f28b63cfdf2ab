// <jf-json-view>: a JSON value as a collapsible tree (objects and arrays
// fold), every key and value put in as text.

import { el } from '../lib/dom.mjs';

/** Collapse containers deeper than this when first shown. */
const OPEN_DEPTH = 2;

function leaf(value) {
  if (value === null) return el('span', { class: 'json-null' }, 'null');
  if (typeof value === 'string') return el('span', { class: 'json-string' }, JSON.stringify(value));
  if (typeof value === 'number') return el('span', { class: 'json-number' }, String(value));
  if (typeof value === 'boolean') return el('span', { class: 'json-boolean' }, String(value));
  return el('span', {}, String(value));
}

function tree(value, depth) {
  if (value === null || typeof value !== 'object') return leaf(value);
  const isArray = Array.isArray(value);
  const entries = isArray ? value.map((v, i) => [i, v]) : Object.entries(value);
  const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return el('span', { class: 'json-punct' }, open + close);
  const summary = isArray ? `${entries.length} items` : `${entries.length} keys`;
  const list = el('ul', { class: 'json-members' }, entries.map(([key, v]) =>
    el('li', {}, isArray ? null : el('span', { class: 'json-key' }, `${JSON.stringify(String(key))}: `), tree(v, depth + 1))));
  return el('details', { class: 'json-node', open: depth < OPEN_DEPTH },
    el('summary', {}, el('span', { class: 'json-punct' }, open), el('span', { class: 'json-summary' }, ` ${summary} `)),
    list,
    el('span', { class: 'json-punct' }, close));
}

class JsonView extends HTMLElement {
  #value = undefined;

  /** The JSON value shown. */
  set value(value) {
    this.#value = value;
    this.replaceChildren(value === undefined ? el('span', { class: 'muted' }, 'none') : tree(value, 0));
  }

  get value() {
    return this.#value;
  }
}

customElements.define('jf-json-view', JsonView);
