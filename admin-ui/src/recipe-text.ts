/** A recipe's steps in words, for the owner reviewing it (the Automations screen). */
import type { RecipeLocator, RecipeStep } from '@talon/skill-runtime/recipes/index.ts';

export function describeLocator(locator: RecipeLocator): string {
  switch (locator.kind) {
    case 'role':
      return `${locator.role} “${locator.name}”`;
    case 'label':
      return `labelled “${locator.label}”`;
    case 'placeholder':
      return `placeholder “${locator.placeholder}”`;
    case 'testId':
      return `test id ${locator.testId}`;
    case 'text':
      return `text “${locator.text}”`;
    case 'css':
      return `CSS ${locator.selector}`;
  }
}

/** What the step acts on: its first locator (the others are fallbacks), inside its frames and page. */
export function describeTarget(step: RecipeStep): string {
  if (!('target' in step) || step.target === undefined) return '';
  const { target } = step;
  const first = target.locators[0];
  const where = [
    target.page > 0 ? `popup ${target.page}` : '',
    ...target.frames.map((frame) => `in ${frame}`),
  ].filter((part) => part !== '');
  const fallbacks = target.locators.length > 1 ? ` (+${target.locators.length - 1} fallback)` : '';
  return `${first ? describeLocator(first) : '(no locator)'}${fallbacks}${where.length > 0 ? ` ${where.join(' ')}` : ''}`;
}

/** What the step does with its target: the value typed (a secret by its handle only), the key... */
export function describeValue(step: RecipeStep): string {
  switch (step.type) {
    case 'navigate':
      return step.url;
    case 'fill':
      if ('secret' in step.value) return `secret ${step.value.secret}`;
      if ('parameter' in step.value) return `parameter ${step.value.parameter}`;
      return `“${step.value.literal}”`;
    case 'select':
      return step.values.join(', ');
    case 'check':
      return step.checked ? 'checked' : 'unchecked';
    case 'press':
      return step.key;
    case 'wait':
      return `${step.ms} ms`;
    case 'scrape':
    case 'screenshot':
      return step.name;
    default:
      return '';
  }
}
