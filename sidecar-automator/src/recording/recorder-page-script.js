/* global window, document, Element, CSS, HTMLInputElement, HTMLSelectElement, HTMLTextAreaElement */
// Page-side code of the DOM recorder (recording/dom-recorder.ts installs it with addInitScript in every
// page and frame of a recording, before the page's own scripts). It reports what the owner does —
// clicks, fills, selections, checks, key presses — with ways to find each element again, through
// the binding the recorder exposes. The value of a secret field (a password, a one-time code) never
// leaves the page: only the fact that it was filled, and a hint for naming its handle.
(() => {
  const BINDING = '__talonRecordEvent';
  if (window.__talonRecorderInstalled) return;
  Object.defineProperty(window, '__talonRecorderInstalled', { value: true });

  // Keys of `autocomplete` that mark a field whose value must never leave the page.
  const SECRET_AUTOCOMPLETE = new Set([
    'current-password',
    'new-password',
    'one-time-code',
    'cc-number',
    'cc-csc',
    'cc-exp',
    'cc-exp-month',
    'cc-exp-year',
  ]);
  const TEXT_INPUT_TYPES = new Set([
    '', 'text', 'email', 'password', 'search', 'tel', 'url', 'number',
    'date', 'datetime-local', 'month', 'time', 'week',
  ]); // prettier-ignore
  const KNOWN_ROLES = new Set([
    'button', 'link', 'checkbox', 'radio', 'textbox', 'searchbox', 'combobox', 'listbox', 'option',
    'menuitem', 'menuitemcheckbox', 'menuitemradio', 'tab', 'switch', 'slider', 'spinbutton', 'treeitem',
    'gridcell', 'cell', 'row', 'heading', 'img',
  ]); // prettier-ignore
  const MAX_NAME_CHARS = 200;

  function normalize(text) {
    return (text || '').replace(/\s+/g, ' ').trim();
  }

  function isVisible(element) {
    return element.getClientRects().length > 0;
  }

  function inputType(element) {
    return element instanceof HTMLInputElement ? (element.getAttribute('type') || '').toLowerCase() : '';
  }

  function isTextField(element) {
    if (element instanceof HTMLTextAreaElement) return true;
    return element instanceof HTMLInputElement && TEXT_INPUT_TYPES.has(inputType(element));
  }

  function isSecretField(element) {
    if (!(element instanceof HTMLInputElement)) return false;
    if (inputType(element) === 'password') return true;
    const tokens = (element.getAttribute('autocomplete') || '').toLowerCase().split(/\s+/);
    return tokens.some((token) => SECRET_AUTOCOMPLETE.has(token));
  }

  function roleOf(element) {
    const explicit = (element.getAttribute('role') || '').trim().split(/\s+/)[0];
    if (explicit) return KNOWN_ROLES.has(explicit) ? explicit : undefined;
    const tag = element.localName;
    const type = inputType(element);
    if ((tag === 'a' || tag === 'area') && element.hasAttribute('href')) return 'link';
    if (tag === 'button') return 'button';
    if (tag === 'textarea') return 'textbox';
    if (tag === 'select') return element.multiple || element.size > 1 ? 'listbox' : 'combobox';
    if (/^h[1-6]$/.test(tag)) return 'heading';
    if (tag === 'img' && element.getAttribute('alt')) return 'img';
    if (tag !== 'input') return undefined;
    if (['button', 'submit', 'reset', 'image'].includes(type)) return 'button';
    if (type === 'checkbox' || type === 'radio') return type;
    if (type === 'range') return 'slider';
    if (type === 'number') return 'spinbutton';
    if (type === 'search') return element.hasAttribute('list') ? 'combobox' : 'searchbox';
    if (['', 'text', 'email', 'tel', 'url'].includes(type))
      return element.hasAttribute('list') ? 'combobox' : 'textbox';
    return undefined;
  }

  // A label's own words: a control inside it (the field itself, a select's options) is not part of them.
  function labelText(element) {
    const labels = element.labels ? [...element.labels] : [];
    const words = labels.map((label) => {
      const copy = label.cloneNode(true);
      for (const control of copy.querySelectorAll('input, select, textarea, button')) control.remove();
      return copy.textContent;
    });
    return normalize(words.join(' '));
  }

  function accessibleName(element) {
    const labelledBy = normalize(element.getAttribute('aria-labelledby'));
    if (labelledBy) {
      const text = labelledBy
        .split(' ')
        .map((id) => document.getElementById(id))
        .filter(Boolean)
        .map((node) => node.innerText || node.textContent)
        .join(' ');
      if (normalize(text)) return normalize(text).slice(0, MAX_NAME_CHARS);
    }
    const ariaLabel = normalize(element.getAttribute('aria-label'));
    if (ariaLabel) return ariaLabel.slice(0, MAX_NAME_CHARS);
    const tag = element.localName;
    const type = inputType(element);
    if (tag === 'input' && ['button', 'submit', 'reset'].includes(type)) {
      return normalize(element.value) || (type === 'submit' ? 'Submit' : type === 'reset' ? 'Reset' : '');
    }
    if (tag === 'input' && type === 'image') return normalize(element.getAttribute('alt'));
    if (tag === 'img') return normalize(element.getAttribute('alt'));
    if (tag === 'input' || tag === 'select' || tag === 'textarea') {
      return (
        labelText(element) ||
        normalize(element.getAttribute('title')) ||
        normalize(element.getAttribute('placeholder'))
      ).slice(0, MAX_NAME_CHARS);
    }
    const content = normalize(element.innerText || element.textContent);
    return (content || normalize(element.getAttribute('title'))).slice(0, MAX_NAME_CHARS);
  }

  function countVisible(elements, predicate) {
    let count = 0;
    for (const element of elements) if (isVisible(element) && predicate(element)) count += 1;
    return count;
  }

  function cssString(value) {
    return value.replace(/["\\]/g, '\\$&');
  }

  function isUnique(selector) {
    try {
      return document.querySelectorAll(selector).length === 1;
    } catch {
      return false;
    }
  }

  function cssPath(element) {
    if (element.id && /^[A-Za-z][\w-]*$/.test(element.id) && isUnique(`#${CSS.escape(element.id)}`)) {
      return `#${CSS.escape(element.id)}`;
    }
    const name = element.getAttribute('name');
    if (name) {
      const byName = `${element.localName}[name="${cssString(name)}"]`;
      if (isUnique(byName)) return byName;
    }
    const parts = [];
    for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
      if (node.localName === 'body' || node.localName === 'html') {
        parts.unshift(node.localName);
        break;
      }
      if (
        node !== element &&
        node.id &&
        /^[A-Za-z][\w-]*$/.test(node.id) &&
        isUnique(`#${CSS.escape(node.id)}`)
      ) {
        parts.unshift(`#${CSS.escape(node.id)}`);
        break;
      }
      let index = 1;
      for (let sibling = node.previousElementSibling; sibling; sibling = sibling.previousElementSibling) {
        if (sibling.localName === node.localName) index += 1;
      }
      parts.unshift(`${node.localName}:nth-of-type(${index})`);
    }
    return parts.join(' > ');
  }

  /**
   * The ways to find `element` again, most robust first, each kept only when it matches exactly one
   * visible element now: role and name, label, placeholder, test id, text; CSS always comes last.
   */
  function locatorsFor(element) {
    const locators = [];
    const all = document.querySelectorAll('*');
    const role = roleOf(element);
    const name = accessibleName(element);
    if (
      role &&
      name &&
      countVisible(all, (other) => roleOf(other) === role && accessibleName(other) === name) === 1
    ) {
      locators.push({ kind: 'role', role, name });
    }
    const fields = document.querySelectorAll('input, select, textarea');
    const label = labelText(element);
    if (label && countVisible(fields, (other) => labelText(other) === label) === 1) {
      locators.push({ kind: 'label', label: label.slice(0, MAX_NAME_CHARS) });
    }
    const placeholder = normalize(element.getAttribute('placeholder'));
    if (
      placeholder &&
      countVisible(fields, (other) => normalize(other.getAttribute('placeholder')) === placeholder) === 1
    ) {
      locators.push({ kind: 'placeholder', placeholder: placeholder.slice(0, MAX_NAME_CHARS) });
    }
    const testId = element.getAttribute('data-testid');
    if (testId && isUnique(`[data-testid="${cssString(testId)}"]`)) locators.push({ kind: 'testId', testId });
    if (!(
      element instanceof HTMLInputElement ||
      element instanceof HTMLSelectElement ||
      element instanceof HTMLTextAreaElement
    )) {
      const text = normalize(element.innerText);
      const sameText = (other) =>
        other !== element &&
        !other.contains(element) &&
        !element.contains(other) &&
        (other.textContent || '').includes(text.split(' ')[0]) &&
        normalize(other.innerText) === text;
      if (text && text.length <= 80 && countVisible(all, sameText) === 0)
        locators.push({ kind: 'text', text });
    }
    locators.push({ kind: 'css', selector: cssPath(element) });
    return locators;
  }

  /** A short name for the field, from which the recorder derives a secret handle (`password`, `one_time_code`). */
  function fieldHint(element) {
    const autocomplete = (element.getAttribute('autocomplete') || '')
      .toLowerCase()
      .split(/\s+/)
      .find((token) => SECRET_AUTOCOMPLETE.has(token));
    if (autocomplete)
      return autocomplete === 'current-password' || autocomplete === 'new-password'
        ? 'password'
        : autocomplete;
    return (
      element.getAttribute('name') ||
      element.id ||
      labelText(element) ||
      inputType(element) ||
      element.localName
    );
  }

  /** Human words for a step description: `button "Sign in"`, `field "Email"`. */
  function describeElement(element) {
    const role = roleOf(element) || element.localName;
    const name = accessibleName(element) || normalize(element.getAttribute('placeholder'));
    return name ? `${role} "${name.slice(0, 60)}"` : role;
  }

  const MAX_VALUE_CHARS = 2000;
  const CLICKABLE = [
    'a[href]', 'button', 'input', 'select', 'textarea', 'label', 'summary', 'option',
    '[role=button]', '[role=link]', '[role=menuitem]', '[role=menuitemcheckbox]', '[role=menuitemradio]',
    '[role=tab]', '[role=option]', '[role=checkbox]', '[role=radio]', '[role=switch]', '[role=treeitem]',
    '[onclick]',
  ].join(', '); // prettier-ignore
  const ALWAYS_RECORDED_KEYS = new Set(['Enter', 'Escape']);
  const KEYS_RECORDED_OUTSIDE_TEXT = new Set([
    'ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'PageUp', 'PageDown', 'Home', 'End', 'Delete', 'Backspace',
  ]); // prettier-ignore
  const sentValues = new WeakMap();
  // A field that was ever a secret stays one: "show password" buttons turn type=password into text.
  const everSecret = new WeakSet();
  const noteSecret = (event) => {
    if (event.target instanceof Element && isSecretField(event.target)) everSecret.add(event.target);
  };
  window.addEventListener('focusin', noteSecret, true);
  window.addEventListener('input', noteSecret, true);
  new window.MutationObserver((changes) => {
    for (const change of changes) if (change.oldValue === 'password') everSecret.add(change.target);
  }).observe(document, {
    subtree: true,
    attributes: true,
    attributeFilter: ['type'],
    attributeOldValue: true,
  });
  // Enter in a text field submits its form by "clicking" the submit button (a click with detail 0);
  // the recorded key press replays that, so that click is not recorded again.
  let implicitSubmitForm;

  function report(event) {
    const binding = window[BINDING];
    if (typeof binding !== 'function') return;
    Promise.resolve(binding({ ...event, at: Date.now() })).catch(() => undefined);
  }

  function target(element) {
    return { locators: locatorsFor(element), description: describeElement(element) };
  }

  // A text field's value is reported once it is final: on change, or before a key press or a page
  // change that would otherwise come first.
  function flushFill(element) {
    if (!isTextField(element)) return;
    const value = element.value;
    if (sentValues.get(element) === value) return;
    sentValues.set(element, value);
    if (everSecret.has(element) || isSecretField(element))
      report({ kind: 'fill', target: target(element), secret: true, hint: fieldHint(element) });
    else report({ kind: 'fill', target: target(element), value: value.slice(0, MAX_VALUE_CHARS) });
  }

  function clickTarget(start) {
    const element = start.closest(CLICKABLE);
    if (element) return element;
    for (let node = start; node && node !== document.body; node = node.parentElement) {
      if (window.getComputedStyle(node).cursor === 'pointer') return node;
    }
    return undefined;
  }

  window.addEventListener(
    'click',
    (event) => {
      if (!event.isTrusted || !(event.target instanceof Element)) return;
      const element = clickTarget(event.target);
      if (!element || isTextField(element)) return;
      const type = inputType(element);
      // Selects, checkboxes and radios are recorded by their change; a label click by its control's.
      if (['select', 'option', 'textarea'].includes(element.localName)) return;
      if (type === 'checkbox' || type === 'radio' || type === 'file') return;
      if (element.localName === 'label' && element.control) return;
      if (implicitSubmitForm && event.detail === 0 && element.form === implicitSubmitForm) return;
      report({ kind: 'click', target: target(element) });
    },
    true,
  );

  window.addEventListener(
    'change',
    (event) => {
      if (!event.isTrusted || !(event.target instanceof Element)) return;
      const element = event.target;
      const type = inputType(element);
      if (type === 'checkbox' || type === 'radio') {
        report({ kind: 'check', target: target(element), checked: element.checked });
      } else if (element instanceof HTMLSelectElement) {
        const values = [...element.selectedOptions].map((option) => option.value.slice(0, MAX_VALUE_CHARS));
        report({ kind: 'select', target: target(element), values });
      } else if (type === 'file') {
        report({ kind: 'note', message: 'A file was chosen for upload; uploads are not recorded' });
      } else flushFill(element);
    },
    true,
  );

  window.addEventListener(
    'keydown',
    (event) => {
      if (!event.isTrusted || event.isComposing || event.ctrlKey || event.metaKey || event.altKey) return;
      const element = event.target instanceof Element ? event.target : document.activeElement;
      const inText = Boolean(element) && (isTextField(element) || element.isContentEditable);
      // In a form control, arrows and the like change its value, and the change is what gets recorded.
      const inControl = Boolean(element) && ['input', 'select', 'textarea'].includes(element.localName);
      if (
        !ALWAYS_RECORDED_KEYS.has(event.key) &&
        (inText || inControl || !KEYS_RECORDED_OUTSIDE_TEXT.has(event.key))
      )
        return;
      // Enter on a button, link or box activates it: its click or change is what gets recorded.
      const activates =
        element &&
        (['button', 'a'].includes(element.localName) ||
          ['submit', 'button', 'reset', 'checkbox', 'radio', 'image'].includes(inputType(element)));
      if (event.key === 'Enter' && activates) return;
      if (inText) flushFill(element);
      if (event.key === 'Enter' && inText && element.form) {
        implicitSubmitForm = element.form;
        window.setTimeout(() => (implicitSubmitForm = undefined), 0);
      }
      const onPage = !element || element === document.body || element === document.documentElement;
      report({ kind: 'press', key: event.key, target: onPage ? undefined : target(element) });
    },
    true,
  );

  window.addEventListener('pagehide', () => {
    if (document.activeElement) flushFill(document.activeElement);
  });
})();
