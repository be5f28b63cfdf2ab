// <jf-dead-letter-groups>: the dead-letter queue grouped by type and error
// code (GET /api/dead-letter/summary), largest first, with when each
// group's first and last job failed. A group's type filters the list below;
// operators get a replay and a discard button per group, which the page
// confirms (naming the count) and carries out.

import { el, replace } from '../lib/dom.mjs';
import { formatCount, formatTime } from '../lib/format.mjs';
import { deadLetterHref } from '../lib/router.mjs';
import { api } from '../lib/session.mjs';

class DeadLetterGroups extends HTMLElement {
  /** Whether to show the group actions. */
  operator = false;
  /** Called as onAction('replay' | 'discard', group). */
  onAction = () => {};
  #rows = null;
  #note = null;
  #loads = 0;

  connectedCallback() {
    if (this.#rows) return;
    this.#rows = el('tbody', { id: 'dead-letter-group-rows' });
    this.#note = el('p', { class: 'muted', id: 'dead-letter-groups-note' });
    replace(this, el('table', { class: 'grid', id: 'dead-letter-groups' },
      el('thead', {}, el('tr', {}, ['type', 'error code', 'kind'].map((h) => el('th', {}, h)),
        el('th', { class: 'num' }, 'jobs'), el('th', {}, 'first failed'), el('th', {}, 'last failed'),
        el('th', {}, 'latest message'), this.operator ? el('th', {}, '') : null)),
      this.#rows), this.#note);
  }

  /** Reads the summary again (of one type, or of all when `type` is ''). */
  async load(type = '') {
    const load = ++this.#loads;
    const query = type ? `?${new URLSearchParams({ type })}` : '';
    try {
      const summary = await api(`/api/dead-letter/summary${query}`);
      if (load !== this.#loads) return;
      replace(this.#rows, summary.groups.map((g) => this.#row(g)));
      replace(this.#note, summary.groups.length === 0 ? 'No group: nothing failed for good.'
        : `${formatCount(summary.total)} failed jobs in ${summary.groups.length} groups` +
          (summary.complete ? '.' : ` (the newest ${formatCount(summary.scanned)} counted).`));
    } catch (e) {
      if (load === this.#loads) replace(this.#note, `Cannot read the groups: ${e.message}`);
    }
  }

  #row(g) {
    const actions = this.operator ? el('td', { class: 'row-actions' },
      el('button', { type: 'button', class: 'group-replay', onclick: () => this.onAction('replay', g) }, 'Replay'),
      ' ',
      el('button', { type: 'button', class: 'group-discard danger', onclick: () => this.onAction('discard', g) }, 'Discard')) : null;
    return el('tr', { dataset: { groupType: g.type, groupCode: g.code } },
      el('td', {}, el('a', { href: deadLetterHref(g.type) }, g.type)),
      el('td', { class: 'mono' }, g.code || '(none)'),
      el('td', {}, g.kind),
      el('td', { class: 'num group-count' }, formatCount(g.count)),
      el('td', {}, formatTime(g.first_seen)),
      el('td', {}, formatTime(g.last_seen)),
      el('td', { class: 'error-cell' }, g.message),
      actions);
  }
}

customElements.define('jf-dead-letter-groups', DeadLetterGroups);
