/**
 * Whether CSS declarations hide what they style: the ways prompt injections hide text from the
 * reader of a page while a model that reads its source still sees it. Inline `style` attributes and
 * simple rules of the page's own `<style>` elements both come here.
 */

/** `display: none; Color: #FFF` → `{ display: 'none', color: '#fff' }` (last one wins, as in CSS). */
export function parseDeclarations(style: string): Map<string, string> {
  const declarations = new Map<string, string>();
  for (const part of style.split(';')) {
    const colon = part.indexOf(':');
    if (colon < 0) continue;
    const name = part.slice(0, colon).trim().toLowerCase();
    const value = part
      .slice(colon + 1)
      .replace(/!important/i, '')
      .trim()
      .toLowerCase();
    if (name !== '' && value !== '') declarations.set(name, value);
  }
  return declarations;
}

/** `0`, `0px`, `0.0em`, `0%`: a length that makes nothing. */
function isZero(value: string | undefined): boolean {
  return value !== undefined && /^-?0*\.?0+(px|em|rem|%|pt|vh|vw|ch|ex)?$/.test(value);
}

/** A length at least 999 pixels (or 50 em) to the left or top: pushed off screen. */
function isFarNegative(value: string | undefined): boolean {
  const match = value === undefined ? null : /^-(\d+(?:\.\d+)?)(px|em|rem|pt)?$/.exec(value);
  if (!match) return false;
  const amount = Number(match[1]);
  return match[2] === 'em' || match[2] === 'rem' ? amount >= 50 : amount >= 999;
}

/** Declarations that hide their element whatever the colours around it. */
export function hidesElement(declarations: Map<string, string>): boolean {
  const get = (name: string): string | undefined => declarations.get(name);
  if (get('display') === 'none') return true;
  if (get('visibility') === 'hidden' || get('visibility') === 'collapse') return true;
  if (isZero(get('opacity'))) return true;
  if (isZero(get('font-size'))) return true;
  if (['width', 'height', 'max-width', 'max-height'].some((name) => isZero(get(name)))) return true;
  if (/^rect\(\s*0/.test(get('clip') ?? '')) return true;
  if (/^inset\(\s*(50%|100%)/.test(get('clip-path') ?? '')) return true;
  if (/scale\(\s*0(\.0+)?\s*[,)]/.test(get('transform') ?? '')) return true;
  const positioned = get('position') === 'absolute' || get('position') === 'fixed';
  if (positioned && ['left', 'top', 'right'].some((name) => isFarNegative(get(name)))) return true;
  if (isFarNegative(get('text-indent'))) return true;
  if (get('color') === 'transparent') return true;
  return false;
}

const NAMED_COLOURS: Record<string, [number, number, number]> = {
  white: [255, 255, 255],
  black: [0, 0, 0],
  snow: [255, 250, 250],
  whitesmoke: [245, 245, 245],
  ivory: [255, 255, 240],
  ghostwhite: [248, 248, 255],
  red: [255, 0, 0],
  blue: [0, 0, 255],
  green: [0, 128, 0],
  gray: [128, 128, 128],
  grey: [128, 128, 128],
  silver: [192, 192, 192],
  yellow: [255, 255, 0],
};

/** An opaque colour as RGB, or undefined for what is not understood (never guessed). */
export function parseColour(value: string | undefined): [number, number, number] | undefined {
  if (value === undefined) return undefined;
  const text = value.trim().toLowerCase();
  if (text in NAMED_COLOURS) return NAMED_COLOURS[text];
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/.exec(text)?.[1];
  if (hex) {
    const full = hex.length === 3 ? [...hex].map((digit) => digit + digit).join('') : hex;
    return [0, 2, 4].map((at) => parseInt(full.slice(at, at + 2), 16)) as [number, number, number];
  }
  const rgb = /^rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)/.exec(text);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  return undefined;
}

/** The background colour declared (`background-color`, or a colour that `background` starts with). */
export function backgroundOf(declarations: Map<string, string>): [number, number, number] | undefined {
  return (
    parseColour(declarations.get('background-color')) ??
    parseColour(declarations.get('background')?.split(/\s+(?![^(]*\))/)[0])
  );
}

function luminance([r, g, b]: [number, number, number]): number {
  const channel = (value: number): number => {
    const c = value / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/**
 * Text of this colour on this background cannot be read: white on white, black on black, and
 * anything nearly so (a WCAG contrast ratio below 1.25; readable text needs 4.5).
 */
export function isUnreadable(
  text: [number, number, number] | undefined,
  background: [number, number, number],
): boolean {
  if (text === undefined) return false;
  const [light, dark] = [luminance(text), luminance(background)].sort((a, b) => b - a) as [number, number];
  return (light + 0.05) / (dark + 0.05) < 1.25;
}
