/**
 * Telegram's HTML parse mode, done by Talon so that text from skills can never inject markup or
 * links: plain text is escaped, and the `html` option of `telegram.send` keeps only the tags below
 * (without attributes) and escapes everything else.
 */

/** Tags a skill may use; never `a` (links), never anything with attributes. */
export const SKILL_HTML_TAGS: ReadonlySet<string> = new Set(['b', 'i', 'u', 's', 'code', 'pre']);

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const TAG = /<(\/?)([a-zA-Z]+)>/g;

/**
 * Keeps `<b>`, `<i>`, `<u>`, `<s>`, `<code>`, `<pre>` and their closing tags when they nest
 * properly; everything else (other tags, attributes, stray `<`, entities) is escaped as text.
 * Tags left open at the end are closed, so Telegram never rejects the message for bad markup.
 */
export function sanitizeSkillHtml(input: string): string {
  const out: string[] = [];
  const open: string[] = [];
  let last = 0;
  for (const match of input.matchAll(TAG)) {
    const [whole, slash, rawName] = match;
    const name = rawName!.toLowerCase();
    const index = match.index;
    out.push(escapeHtml(input.slice(last, index)));
    last = index + whole.length;
    if (!SKILL_HTML_TAGS.has(name)) {
      out.push(escapeHtml(whole));
    } else if (slash === '') {
      open.push(name);
      out.push(`<${name}>`);
    } else if (open.at(-1) === name) {
      open.pop();
      out.push(`</${name}>`);
    } else {
      out.push(escapeHtml(whole));
    }
  }
  out.push(escapeHtml(input.slice(last)));
  while (open.length > 0) out.push(`</${open.pop()!}>`);
  return out.join('');
}

/** The visible text of sanitized HTML (for length checks): tags dropped, entities counted once. */
export function visibleLength(html: string): number {
  return html.replace(/<\/?[a-z]+>/g, '').replace(/&(amp|lt|gt|quot);/g, '_').length;
}
