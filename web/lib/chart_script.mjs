// Chart.js (Debian's libjs-chart.js: a classic script of some 200 KB, not a
// module) is loaded by the first page that draws a chart, not by the page
// itself: every other page then goes without it, and the overview asks for
// its figures while Chart.js is fetched and compiled instead of after.

const SOURCE = '/ui/vendor/chart.min.js';

let loading = null;

/** Resolves to window.Chart once loaded, or null when the server has no Chart.js. */
export function loadChart() {
  loading ??= new Promise((resolve) => {
    if (typeof window.Chart === 'function') {
      resolve(window.Chart);
      return;
    }
    const script = document.createElement('script');
    script.src = SOURCE;
    script.addEventListener('load', () => resolve(typeof window.Chart === 'function' ? window.Chart : null));
    script.addEventListener('error', () => {
      loading = null;  // the package may be installed later: the next page asks again
      script.remove();
      resolve(null);
    });
    document.head.append(script);
  });
  return loading;
}
