import { parseDocument } from 'htmlparser2';
import { backgroundOf, hidesElement, isUnreadable, parseColour, parseDeclarations } from './hidden-style.ts';
import { resolveHttpUrl } from './resolve-url.ts';
import { matches, parseStyleSheet, type StyleRule } from './style-rules.ts';

type Document = ReturnType<typeof parseDocument>;
type Node = Document['children'][number];
type Element = Extract<Node, { attribs: Record<string, string> }>;
type Rgb = [number, number, number];

export type Link = {
  text: string;
  url: string;
};

export type ReadableHtml = {
  /** `<title>`, else the first visible `<h1>`; '' when neither. */
  title: string;
  /** Visible text, one block per line, white space collapsed. */
  text: string;
  /** Visible `http(s)` links, absolute, each once, in page order. */
  links: Link[];
  /** Elements dropped because a reader would not see them (hidden, zero-size, unreadable colours...). */
  hiddenElements: number;
};

export interface ReadableOptions {
  /** The page's address, to make links absolute (a `<base href>` in the page wins). */
  baseUrl?: string | undefined;
  maxLinks?: number;
}

/** Never text: code, metadata, embedded things. `title` is read on its own. */
const SKIPPED = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'head',
  'title',
  'meta',
  'link',
  'svg',
  'math',
  'iframe',
  'object',
  'embed',
  'canvas',
  'audio',
  'video',
  'select',
  'option',
  'textarea',
  'button',
  'input',
]);

/** Elements that start a new line of text. */
const BLOCKS = new Set(
  (
    'address article aside blockquote br dd details dialog div dl dt fieldset figcaption figure footer ' +
    'form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody thead tfoot tr ul'
  ).split(' '),
);

/** What a page's default background is when nothing says otherwise. */
const WHITE: Rgb = [255, 255, 255];

interface Inherited {
  colour: Rgb | undefined;
  background: Rgb;
}

function isElement(node: Node): node is Element {
  return 'attribs' in node && 'name' in node;
}

function isText(node: Node): node is Extract<Node, { type: 'text'; data: string }> {
  return node.type === 'text';
}

function childrenOf(node: Node | Document): Node[] {
  return 'children' in node ? (node.children as Node[]) : [];
}

function textOf(node: Node | Document): string {
  if (isText(node)) return node.data;
  return childrenOf(node).map(textOf).join('');
}

function find(node: Node | Document, name: string): Element | undefined {
  for (const child of childrenOf(node)) {
    if (isElement(child) && child.name === name) return child;
    const inner = find(child, name);
    if (inner) return inner;
  }
  return undefined;
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * The text a person sees on a page, from untrusted HTML: scripts, styles and metadata skipped, and
 * every element a reader would not see dropped with what it holds — `hidden`, `aria-hidden`,
 * closed dialogs, inline or style-sheet `display:none` / `visibility:hidden` / zero size / zero
 * opacity or font size / off-screen positions / clipping, and text whose colour cannot be told from
 * its background (white on white). Runs inside the skill's sandbox: nothing here touches the host.
 */
export function readableHtml(html: string, options: ReadableOptions = {}): ReadableHtml {
  const document = parseDocument(html, { lowerCaseTags: true, lowerCaseAttributeNames: true });
  const rules: StyleRule[] = [];
  const collectStyles = (node: Node | Document): void => {
    for (const child of childrenOf(node)) {
      if (isElement(child) && child.name === 'style') rules.push(...parseStyleSheet(textOf(child)));
      else collectStyles(child);
    }
  };
  collectStyles(document);
  const baseHref = find(document, 'base')?.attribs['href'];
  const base = baseHref ? (resolveHttpUrl(baseHref, options.baseUrl) ?? options.baseUrl) : options.baseUrl;
  const maxLinks = options.maxLinks ?? 100;

  const parts: string[] = [];
  const links: Link[] = [];
  const seenLinks = new Set<string>();
  let hiddenElements = 0;
  let firstHeading = '';

  const hidden = (element: Element, inherited: Inherited): Inherited | undefined => {
    const attribs = element.attribs;
    if ('hidden' in attribs || attribs['aria-hidden']?.toLowerCase() === 'true') return undefined;
    if (element.name === 'dialog' && !('open' in attribs)) return undefined;
    const sheet = rules.filter((rule) => matches(rule, element));
    const inline = parseDeclarations(attribs['style'] ?? '');
    if (hidesElement(inline) || sheet.some((rule) => rule.hides)) return undefined;
    const colour =
      parseColour(inline.get('color')) ??
      sheet.reduce<Rgb | undefined>((found, rule) => rule.colour ?? found, undefined) ??
      inherited.colour;
    const background =
      backgroundOf(inline) ??
      sheet.reduce<Rgb | undefined>((found, rule) => rule.background ?? found, undefined) ??
      inherited.background;
    return { colour, background };
  };

  const walk = (node: Node | Document, inherited: Inherited): void => {
    for (const child of childrenOf(node)) {
      if (isText(child)) {
        if (!isUnreadable(inherited.colour, inherited.background)) parts.push(child.data);
        else if (child.data.trim() !== '') hiddenElements++;
        continue;
      }
      if (!isElement(child)) continue;
      if (SKIPPED.has(child.name)) continue;
      const style = hidden(child, inherited);
      if (style === undefined) {
        hiddenElements++;
        continue;
      }
      const block = BLOCKS.has(child.name);
      if (block) parts.push('\n');
      const start = parts.length;
      walk(child, style);
      if (child.name === 'h1' && firstHeading === '') firstHeading = collapse(parts.slice(start).join(''));
      if (child.name === 'a' && child.attribs['href'] !== undefined && links.length < maxLinks) {
        const url = resolveHttpUrl(child.attribs['href'], base);
        if (url !== undefined && !seenLinks.has(url)) {
          seenLinks.add(url);
          links.push({ text: collapse(parts.slice(start).join('')), url });
        }
      }
      if (block) parts.push('\n');
      else if (child.name === 'td' || child.name === 'th') parts.push(' ');
    }
  };
  walk(document, { colour: undefined, background: WHITE });

  const text = parts
    .join('')
    .split('\n')
    .map(collapse)
    .filter((line) => line !== '')
    .join('\n');
  const titleElement = find(document, 'title');
  const title = (titleElement ? collapse(textOf(titleElement)) : '') || firstHeading;
  return { title, text, links, hiddenElements };
}

/** Plain text of an HTML fragment (a feed item's description), hidden elements dropped. */
export function htmlFragmentText(html: string): { text: string; hiddenElements: number } {
  if (!/[<&]/.test(html)) return { text: collapse(html), hiddenElements: 0 };
  const readable = readableHtml(html);
  return { text: readable.text.replace(/\n/g, ' '), hiddenElements: readable.hiddenElements };
}
