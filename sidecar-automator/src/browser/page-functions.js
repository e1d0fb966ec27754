/* global window */
// Functions Playwright runs inside a page (it sends their source text), kept in plain JavaScript
// because Talon's type check has no DOM library. Their types are in page-functions.d.ts.

/** A CSS selector for an iframe element within its parent document, most stable first. */
export function frameSelector(frame) {
  const quote = (value) => value.replace(/["\\]/g, '\\$&');
  const unique = (selector) => frame.ownerDocument.querySelectorAll(selector).length === 1;
  const tag = frame.localName;
  for (const attribute of ['id', 'name', 'title', 'data-testid', 'src']) {
    const value = frame.getAttribute(attribute);
    if (value && value.length <= 500) {
      const selector = `${tag}[${attribute}="${quote(value)}"]`;
      if (unique(selector)) return selector;
    }
  }
  const frames = [...frame.ownerDocument.querySelectorAll(tag)];
  return `${tag} >> nth=${frames.indexOf(frame)}`;
}

/** The size of the page's viewport, for the recipe (the replay uses the same). */
export function viewportSize() {
  return { width: window.innerWidth, height: window.innerHeight };
}

/** Where an element is on the screen, for tests that click through the live view. */
export function screenPosition(element) {
  const box = element.getBoundingClientRect();
  const chromeHeight = window.outerHeight - window.innerHeight;
  return {
    x: Math.round(window.screenX + box.left + box.width / 2),
    y: Math.round(window.screenY + chromeHeight + box.top + box.height / 2),
  };
}

/**
 * A table's text as headers and rows: header cells from `thead` (or a first row of `th`), every
 * other row's cells; an element that is not a table is searched for its first table.
 */
export function readTable(element, limits) {
  const table = element.localName === 'table' ? element : element.querySelector('table');
  if (!table) return { headers: [], rows: [], truncated: false };
  const text = (cell) =>
    (cell.innerText || cell.textContent || '').replace(/\s+/g, ' ').trim().slice(0, limits.maxCellChars);
  const rows = [...table.rows];
  let headers = [];
  const headRow =
    table.tHead && table.tHead.rows[0]
      ? table.tHead.rows[0]
      : rows[0] && [...rows[0].cells].every((cell) => cell.localName === 'th')
        ? rows[0]
        : undefined;
  if (headRow) headers = [...headRow.cells].map(text);
  const body = rows.filter((row) => row !== headRow);
  return {
    headers,
    rows: body.slice(0, limits.maxRows).map((row) => [...row.cells].map(text)),
    truncated: body.length > limits.maxRows,
  };
}

/** Ends editing in the focused field so its change event fires (a recording is about to stop). */
export function blurActiveElement() {
  const element = window.document.activeElement;
  if (element && typeof element.blur === 'function') element.blur();
}
