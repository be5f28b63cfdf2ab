// <jf-sign-in>: asks for an API key. The key is checked with
// GET /api/whoami before anything else is shown; a refused key is not kept.

import { el, replace } from '../lib/dom.mjs';
import { storeKey, whoami } from '../lib/session.mjs';

class SignInPage extends HTMLElement {
  /** Called with the whoami answer once a key is accepted. */
  onSignedIn = () => {};
  /** A line shown above the form (why the previous session ended). */
  notice = '';

  connectedCallback() {
    const input = el('input', {
      id: 'api-key', type: 'password', autocomplete: 'off', required: true, minlength: 1,
      'aria-label': 'API key', placeholder: 'API key',
    });
    const problem = el('p', { class: 'error', id: 'sign-in-error', role: 'alert', hidden: !this.notice }, this.notice);
    const button = el('button', { type: 'submit', id: 'sign-in-button' }, 'Sign in');
    const form = el('form', { class: 'sign-in' },
      el('h1', {}, 'Sign in to jobforge'),
      el('p', { class: 'muted' }, 'The key stays in this tab only (sessionStorage) and is sent with every request.'),
      problem,
      el('label', { for: 'api-key' }, 'API key'), input, button);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      button.disabled = true;
      storeKey(input.value.trim());
      try {
        const who = await whoami();
        if (who) return this.onSignedIn(who);
        storeKey(null);
        replace(problem, 'The server does not accept this key.');
      } catch (e) {
        storeKey(null);
        replace(problem, `Cannot reach the server: ${e.message}`);
      } finally {
        button.disabled = false;
      }
      problem.hidden = false;
      input.select();
    });
    replace(this, form);
    input.focus();
  }
}

customElements.define('jf-sign-in', SignInPage);
