import { backgroundOf, hidesElement, parseColour, parseDeclarations } from './hidden-style.ts';

/** One simple selector of a page's style sheet: `p`, `.note`, `#x`, `div.note.small`. */
interface SimpleSelector {
  tag: string | undefined;
  id: string | undefined;
  classes: string[];
}

/** What the page's own `<style>` rules say about an element: hidden, or its colours. */
export interface StyleRule {
  selector: SimpleSelector;
  hides: boolean;
  colour: [number, number, number] | undefined;
  background: [number, number, number] | undefined;
}

const SIMPLE = /^([a-z][a-z0-9-]*)?((?:[.#][a-z0-9_-]+)*)$/i;

function parseSelector(text: string): SimpleSelector | undefined {
  const match = SIMPLE.exec(text.trim());
  if (!match || text.trim() === '') return undefined;
  const parts = match[2]?.match(/[.#][a-z0-9_-]+/gi) ?? [];
  return {
    tag: match[1]?.toLowerCase(),
    id: parts.find((part) => part.startsWith('#'))?.slice(1),
    classes: parts.filter((part) => part.startsWith('.')).map((part) => part.slice(1)),
  };
}

/**
 * The top-level rules of a style sheet whose selectors are simple (tag, class, id). Rules inside
 * at-rules (`@media print`, ...) are skipped: they apply only sometimes, and text is kept unless it
 * is surely hidden. Combinators and pseudo-classes are skipped too: a small parser, not a browser.
 */
export function parseStyleSheet(css: string): StyleRule[] {
  const rules: StyleRule[] = [];
  const text = css.replace(/\/\*[\s\S]*?\*\//g, '');
  let depth = 0;
  let start = 0;
  let prelude = '';
  for (let at = 0; at < text.length; at++) {
    const char = text[at];
    if (char === '{') {
      if (depth === 0) {
        prelude = text.slice(start, at).trim();
        start = at + 1;
      }
      depth++;
    } else if (char === '}') {
      depth = Math.max(0, depth - 1);
      if (depth === 0) {
        const body = text.slice(start, at);
        start = at + 1;
        if (prelude.startsWith('@')) continue;
        const declarations = parseDeclarations(body);
        const hides = hidesElement(declarations);
        const colour = parseColour(declarations.get('color'));
        const background = backgroundOf(declarations);
        if (!hides && colour === undefined && background === undefined) continue;
        for (const part of prelude.split(',')) {
          const selector = parseSelector(part);
          if (selector) rules.push({ selector, hides, colour, background });
        }
      }
    }
  }
  return rules;
}

/** Whether a rule's selector names this element. */
export function matches(
  rule: StyleRule,
  element: { name: string; attribs: Record<string, string | undefined> },
): boolean {
  const { tag, id, classes } = rule.selector;
  if (tag !== undefined && tag !== element.name.toLowerCase()) return false;
  if (id !== undefined && element.attribs['id'] !== id) return false;
  if (classes.length === 0) return tag !== undefined || id !== undefined;
  const own = (element.attribs['class'] ?? '').split(/\s+/);
  return classes.every((name) => own.includes(name));
}
