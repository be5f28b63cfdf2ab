// The dashboard's entry point: finds out who is signed in (GET /api/whoami;
// in loopback mode nobody needs to), opens the tab's event stream, and
// shows the page the URL's fragment names, pointing the stream at the
// events that page reads.

import './components/live-indicator.mjs';
import './pages/dead-letter.mjs';
import './pages/job-types.mjs';
import './pages/job.mjs';
import './pages/nodes.mjs';
import './pages/jobs.mjs';
import './pages/overview.mjs';
import './pages/schedules.mjs';
import './pages/sign-in.mjs';
import './pages/submit.mjs';
import { el, replace } from './lib/dom.mjs';
import { EventStream } from './lib/event_stream.mjs';
import { allows, seesOverview } from './lib/roles.mjs';
import { parseRoute } from './lib/router.mjs';
import { authHeaders, storeKey, whoami } from './lib/session.mjs';
import { eventsUrl } from './lib/stream_target.mjs';

const view = document.getElementById('view');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const live = document.getElementById('live');
const signOut = document.getElementById('sign-out');

let session = null;
let current = null;

function signIn(notice = '') {
  // Forget the session before closing its stream, whose listener would
  // otherwise take the close for the server refusing the key.
  const previous = session;
  session = null;
  previous?.stream.stop('signed-out');
  current = null;
  nav.hidden = true;
  live.hidden = true;
  signOut.hidden = true;
  replace(who);
  const page = document.createElement('jf-sign-in');
  page.notice = notice;
  page.onSignedIn = start;
  replace(view, page);
}

function start(identity) {
  // The stream asks for what the first page shows; show() retargets it.
  const stream = new EventStream(eventsUrl(parseRoute(location.hash), identity.role), authHeaders);
  session = { who: identity, stream };
  stream.onState((state) => {
    if (state === 'signed-out' && session?.stream === stream) {
      storeKey(null);
      signIn('The server no longer accepts the key: sign in again.');
    }
  });
  live.stream = stream;
  live.hidden = false;
  nav.hidden = false;
  document.getElementById('nav-overview').hidden = !seesOverview(identity.role);
  document.getElementById('nav-submit').hidden = !allows(identity.role, 'submitter');
  replace(who, `${identity.tenant} · ${identity.role}`);
  signOut.hidden = !identity.key_required;
  if (!document.hidden) stream.start();
  show();
}

function show() {
  if (!session) return;
  const route = parseRoute(location.hash);
  if (route.page === 'home') {
    location.replace(seesOverview(session.who.role) ? '#/overview' : '#/jobs');
    return;
  }
  session.stream.retarget(eventsUrl(route, session.who.role));
  for (const link of nav.querySelectorAll('a')) {
    link.classList.toggle('current', link.dataset.page === route.page || (route.page === 'job' && link.dataset.page === 'jobs'));
  }
  const reusable = { jobs: 'jf-jobs', 'dead-letter': 'jf-dead-letter' }[route.page];
  if (reusable && current?.localName === reusable) {
    current.route = route;
    return;
  }
  let page;
  if (route.page === 'overview' && seesOverview(session.who.role)) {
    page = document.createElement('jf-overview');
  } else if (route.page === 'overview') {
    page = el('p', { class: 'error', role: 'alert' }, 'The overview counts every tenant\'s jobs: it needs an admin key.');
  } else if (route.page === 'jobs') {
    page = document.createElement('jf-jobs');
    page.route = route;
  } else if (route.page === 'dead-letter') {
    page = document.createElement('jf-dead-letter');
    page.route = route;
  } else if (route.page === 'submit' && allows(session.who.role, 'submitter')) {
    page = document.createElement('jf-submit');
    page.route = route;
  } else if (route.page === 'submit') {
    page = el('p', { class: 'error', role: 'alert' }, 'Submitting jobs needs a submitter key or higher.');
  } else if (route.page === 'nodes') {
    page = document.createElement('jf-nodes');
  } else if (route.page === 'schedules') {
    page = document.createElement('jf-schedules');
  } else if (route.page === 'types') {
    page = document.createElement('jf-job-types');
  } else if (route.page === 'job') {
    page = document.createElement('jf-job');
    page.jobId = route.id;
  } else {
    page = el('p', { class: 'error', role: 'alert' }, 'There is no such page. ', el('a', { href: '#/jobs' }, 'See the jobs.'));
  }
  page.session = session;
  current = page;
  replace(view, page);
}

signOut.addEventListener('click', () => {
  storeKey(null);
  location.hash = '';
  signIn();
});

window.addEventListener('hashchange', show);

// A hidden tab holds no stream open; showing it again resumes after the
// last event seen, and the pages refresh when it is live again.
document.addEventListener('visibilitychange', () => {
  if (!session) return;
  if (document.hidden) session.stream.stop('paused');
  else session.stream.start();
});

async function boot() {
  try {
    const identity = await whoami();
    if (identity) start(identity);
    else signIn();
  } catch (e) {
    replace(view, el('p', { class: 'error', role: 'alert' }, `Cannot reach the server: ${e.message}`));
  }
}

boot();
