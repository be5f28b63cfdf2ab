// <jf-job-bulk-actions>: what the jobs page does to the jobs selected in
// it, in one request (POST /api/jobs/bulk): cancel (submitters and above),
// change priority (operators), retry (admins). Each asks first, naming the
// count, and then says what was done and what was refused, job by job.

import { el, replace } from '../lib/dom.mjs';
import { confirmText, goLabel, MAX_IDS, outcomeText } from '../lib/bulk.mjs';
import { bulkActions } from '../lib/roles.mjs';
import { api } from '../lib/session.mjs';

class JobBulkActions extends HTMLElement {
  role = 'viewer';
  /** The ids selected now. */
  selected = () => [];
  /** Called once an action is done (the page reads its jobs again). */
  onDone = () => {};
  #parts = {};

  connectedCallback() {
    if (this.#parts.count) return;
    const may = bulkActions(this.role);
    const p = this.#parts;
    p.count = el('span', { class: 'muted', id: 'bulk-count' }, 'none selected');
    p.priority = el('select', { id: 'bulk-priority-choice', 'aria-label': 'priority for the selected jobs' },
      ['critical', 'high', 'normal', 'low'].map((v) => el('option', { value: v }, v)));
    p.buttons = [
      may.cancel ? el('button', { type: 'button', id: 'bulk-cancel', class: 'danger', onclick: () => this.#ask('cancel') }, 'Cancel selected') : null,
      may.retry ? el('button', { type: 'button', id: 'bulk-retry', onclick: () => this.#ask('retry') }, 'Retry selected') : null,
      may.priority ? el('span', { class: 'control' }, p.priority,
        el('button', { type: 'button', id: 'bulk-priority', onclick: () => this.#ask('priority') }, 'Set priority')) : null,
    ].filter(Boolean);
    p.confirm = el('div', { class: 'confirm', id: 'bulk-confirm', role: 'alertdialog', hidden: true });
    p.outcome = el('p', { id: 'bulk-outcome', role: 'status', hidden: true });
    replace(this, el('div', { class: 'actions', id: 'bulk-actions' }, p.count, p.buttons), p.confirm, p.outcome);
    this.hidden = p.buttons.length === 0;
    this.selectionChanged();
  }

  /** The selection changed: the buttons follow its size. */
  selectionChanged() {
    const n = this.selected().length;
    const p = this.#parts;
    if (!p.count) return;
    replace(p.count, n === 0 ? 'none selected' : `${n} selected`);
    for (const b of this.querySelectorAll('#bulk-actions button')) b.disabled = n === 0 || n > MAX_IDS;
    p.confirm.hidden = true;
  }

  #ask(action) {
    const ids = this.selected();
    if (ids.length === 0) return;
    const p = this.#parts;
    const priority = p.priority.value;
    const go = el('button', { type: 'button', id: 'bulk-confirm-yes', class: action === 'cancel' ? 'danger' : '' },
      goLabel(action, ids.length, priority));
    go.addEventListener('click', () => this.#run(action, ids, priority));
    const keep = el('button', { type: 'button', id: 'bulk-confirm-no', onclick: () => { p.confirm.hidden = true; } }, 'No');
    replace(p.confirm, `${confirmText(action, ids.length, priority)} `, go, ' ', keep);
    p.confirm.hidden = false;
    go.focus();
  }

  async #run(action, ids, priority) {
    const p = this.#parts;
    p.confirm.hidden = true;
    const body = { action, ids };
    if (action === 'priority') body.priority = priority;
    try {
      const answer = await api('/api/jobs/bulk', { method: 'POST', body });
      this.#show(outcomeText(action, answer), answer.failed > 0);
    } catch (e) {
      this.#show(`Refused: ${e.message}`, true);
    }
    this.onDone();
  }

  #show(text, isError) {
    replace(this.#parts.outcome, text);
    this.#parts.outcome.className = isError ? 'error' : 'muted';
    this.#parts.outcome.hidden = false;
  }
}

customElements.define('jf-job-bulk-actions', JobBulkActions);
