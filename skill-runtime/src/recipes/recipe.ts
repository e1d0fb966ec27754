/**
 * A recipe: a browser task recorded once by the owner and replayed headless by the browser sidecar.
 * Talon's own versioned JSON; validated by `parseRecipe` (ajv against RECIPE_SCHEMA, then the checks
 * a schema cannot express: references to declared secrets and parameters, URLs, the allowlist).
 */

/** The format version this code reads and writes. A recipe of another version is refused by name. */
export const RECIPE_VERSION = 1;

/** Every bound of a recipe, with its unit, in one place. */
export const RECIPE_LIMITS = {
  maxSteps: 500,
  maxLocatorsPerTarget: 8,
  /** Nested iframes from the top document down to the element's frame. */
  maxFrameDepth: 5,
  /** Pages a recipe may use: the first page and the popups it opens, in order of opening. */
  maxPages: 10,
  maxTextChars: 2_000,
  maxUrlChars: 2_048,
  maxAllowlistEntries: 100,
  maxSecrets: 50,
  maxParameters: 50,
  maxSelectValues: 50,
  minStepTimeoutMs: 100,
  maxStepTimeoutMs: 600_000,
  defaultStepTimeoutMs: 30_000,
  maxWaitMs: 60_000,
  minViewportPx: 200,
  maxViewportPx: 4_096,
} as const;

/** ARIA roles a `role` locator may name (the roles Playwright's getByRole understands). */
export const RECIPE_ROLES = [
  'alert', 'alertdialog', 'application', 'article', 'banner', 'blockquote', 'button', 'caption', 'cell',
  'checkbox', 'code', 'columnheader', 'combobox', 'complementary', 'contentinfo', 'definition', 'deletion',
  'dialog', 'directory', 'document', 'emphasis', 'feed', 'figure', 'form', 'generic', 'grid', 'gridcell',
  'group', 'heading', 'img', 'insertion', 'link', 'list', 'listbox', 'listitem', 'log', 'main', 'marquee',
  'math', 'meter', 'menu', 'menubar', 'menuitem', 'menuitemcheckbox', 'menuitemradio', 'navigation', 'none',
  'note', 'option', 'paragraph', 'presentation', 'progressbar', 'radio', 'radiogroup', 'region', 'row',
  'rowgroup', 'rowheader', 'scrollbar', 'search', 'searchbox', 'separator', 'slider', 'spinbutton', 'status',
  'strong', 'subscript', 'superscript', 'switch', 'tab', 'table', 'tablist', 'tabpanel', 'term', 'textbox',
  'time', 'timer', 'toolbar', 'tooltip', 'tree', 'treegrid', 'treeitem',
] as const; // prettier-ignore

export type RecipeRole = (typeof RECIPE_ROLES)[number];

/**
 * One way to find an element, most robust first: role and accessible name, label, placeholder,
 * test id (`data-testid`), visible text, and CSS as the last resort.
 */
export type RecipeLocator =
  | { kind: 'role'; role: RecipeRole; name: string }
  | { kind: 'label'; label: string }
  | { kind: 'placeholder'; placeholder: string }
  | { kind: 'testId'; testId: string }
  | { kind: 'text'; text: string }
  | { kind: 'css'; selector: string };

export type RecipeLocatorKind = RecipeLocator['kind'];

/** The element a step acts on. */
export interface RecipeTarget {
  /** Which page: 0 is the first, 1 the first popup opened during the task, and so on. */
  page: number;
  /** CSS selectors of the iframes from the top document down to the element's frame; empty for the top. */
  frames: string[];
  /** Tried in order at replay; the first that matches exactly one element is used. */
  locators: RecipeLocator[];
}

/** Where a typed value comes from: written in the recipe, a secret handle, or a parameter of the replay. */
export type RecipeValue = { literal: string } | { secret: string } | { parameter: string };

interface StepBase {
  /** What the step does, in words, for the owner reviewing the recipe. */
  description?: string;
  /** Overrides the recipe's `stepTimeoutMs` for this step. */
  timeoutMs?: number;
}

export interface NavigateStep extends StepBase {
  type: 'navigate';
  url: string;
  page?: number;
}
export interface ClickStep extends StepBase {
  type: 'click';
  target: RecipeTarget;
}
export interface FillStep extends StepBase {
  type: 'fill';
  target: RecipeTarget;
  value: RecipeValue;
}
export interface SelectStep extends StepBase {
  type: 'select';
  target: RecipeTarget;
  /** Option values (the `value` attribute), several for a multiple select. */
  values: string[];
}
export interface CheckStep extends StepBase {
  type: 'check';
  target: RecipeTarget;
  checked: boolean;
}
export interface PressStep extends StepBase {
  type: 'press';
  /** The focused element when the key was pressed; without it the key goes to the page. */
  target?: RecipeTarget;
  /** A key name as Playwright spells it: `Enter`, `Escape`, `ArrowDown`, `Control+a`. */
  key: string;
}
/** A click that starts a file download; the replay waits for the file and saves it. */
export interface DownloadStep extends StepBase {
  type: 'download';
  target: RecipeTarget;
}
export interface WaitStep extends StepBase {
  type: 'wait';
  ms: number;
}
/** Reads a table (the target, or the page's first `table`) and returns it as data. */
export interface ScrapeStep extends StepBase {
  type: 'scrape';
  name: string;
  target?: RecipeTarget;
}
export interface ScreenshotStep extends StepBase {
  type: 'screenshot';
  name: string;
}

export type RecipeStep =
  | NavigateStep
  | ClickStep
  | FillStep
  | SelectStep
  | CheckStep
  | PressStep
  | DownloadStep
  | WaitStep
  | ScrapeStep
  | ScreenshotStep;

export type RecipeStepType = RecipeStep['type'];

/** A secret the replay needs: the owner stores its value in Talon's encrypted settings under this handle. */
export interface RecipeSecret {
  handle: string;
  description?: string;
}

export interface RecipeParameter {
  name: string;
  description?: string;
  default?: string;
}

export interface Recipe {
  version: typeof RECIPE_VERSION;
  /** A stable identifier (lower case, digits, `_`, `-`); downloads are counted against it. */
  name: string;
  description?: string;
  /** The page the replay opens first (http or https). */
  startUrl: string;
  viewport: { width: number; height: number };
  /**
   * Hosts the browser may reach: `example.com`, `*.example.com` for its sub-domains; an entry with
   * `:port` allows that port, one without only the scheme's default port.
   */
  allowedDomains: string[];
  /** Private, loopback or link-local addresses (IP or CIDR) an allowed host may resolve to. */
  allowedPrivateAddresses: string[];
  /** Time each step may take unless it sets its own `timeoutMs`. */
  stepTimeoutMs: number;
  secrets: RecipeSecret[];
  parameters: RecipeParameter[];
  steps: RecipeStep[];
  /** When and where it was recorded; informative only. */
  recordedAt?: string;
}
