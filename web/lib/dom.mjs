// Building the page: elements with text set through textContent only, so
// that no value from a job (payload, error message, tag) is ever read as
// markup. The CSP forbids inline style, so look comes from classes.

/**
 * An element: `attrs` sets attributes (class, href, ...), `on*` keys add
 * listeners; children are nodes or text (null and false are skipped).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

/** Appends nodes and text to `parent`. */
export function append(parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replaces everything in `parent` with `children`. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

/** A status as a coloured badge. */
export function statusBadge(status) {
  return el('span', { class: `badge status-${status}`, 'data-status': status }, status);
}

/** Shows `status` in the badge inside `cell`, changing the badge in place when there is one. */
export function showStatus(cell, status) {
  const badge = cell.querySelector('.badge');
  if (!badge) return replace(cell, statusBadge(status));
  if (badge.dataset.status === status) return cell;
  badge.className = `badge status-${status}`;
  badge.dataset.status = status;
  badge.textContent = status;
  return cell;
}
