import type { BrowserContext, Page } from 'playwright-core';

export interface PageProblem {
  kind: 'console-error' | 'page-error' | 'csp-violation';
  text: string;
  /** The resource or script the problem is about, when the browser says. */
  url: string;
}

/** A console error the test caused on purpose, e.g. the 401 of a wrong password. */
export interface ExpectedProblem {
  text: RegExp;
  url: RegExp;
}

const CSP_BINDING = '__talonReportCspViolation';

// Runs before the admin's own scripts, through DevTools, so the page's CSP does not apply to it.
const REPORT_CSP_VIOLATIONS = `
  document.addEventListener('securitypolicyviolation', (event) => {
    window.${CSP_BINDING}(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline') +
      ' (' + event.sourceFile + ':' + event.lineNumber + ')');
  });
`;

/**
 * Collects what a person with the developer tools open would see go wrong: console errors,
 * uncaught exceptions, and every Content-Security-Policy violation (reported by the browser's
 * `securitypolicyviolation` event as well as its console message).
 */
export class PageProblems {
  readonly #problems: PageProblem[] = [];

  static async watch(context: BrowserContext): Promise<PageProblems> {
    const watcher = new PageProblems();
    await context.exposeBinding(CSP_BINDING, ({ page }, description: string) => {
      watcher.#problems.push({ kind: 'csp-violation', text: description, url: page.url() });
    });
    await context.addInitScript({ content: REPORT_CSP_VIOLATIONS });
    for (const page of context.pages()) watcher.#attach(page);
    context.on('page', (page) => watcher.#attach(page));
    return watcher;
  }

  #attach(page: Page): void {
    page.on('console', (message) => {
      if (message.type() === 'error') {
        this.#problems.push({ kind: 'console-error', text: message.text(), url: message.location().url });
      }
    });
    page.on('pageerror', (error) => {
      this.#problems.push({ kind: 'page-error', text: error.message, url: page.url() });
    });
  }

  /** Everything seen since the last call, except the expected ones; then starts afresh. */
  takeUnexpected(expected: readonly ExpectedProblem[] = []): PageProblem[] {
    const taken = this.#problems.splice(0);
    return taken.filter(
      (problem) =>
        problem.kind === 'csp-violation' ||
        !expected.some((allowed) => allowed.text.test(problem.text) && allowed.url.test(problem.url)),
    );
  }
}
