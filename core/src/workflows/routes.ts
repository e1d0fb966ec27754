import { DEFAULT_BRANCH, END, ERROR_BRANCH, type StepDefinition } from './definition.ts';

/** The step after `index` in the list, or `end` after the last one. */
function nextByPosition(steps: readonly StepDefinition[], index: number): string {
  return steps[index + 1]?.id ?? END;
}

/** After a success: the route for the branch, else the `default` route, else the next step in order. */
export function nextAfterSuccess(steps: readonly StepDefinition[], index: number, branch: string): string {
  const routes = steps[index]!.routes;
  return routes[branch] ?? routes[DEFAULT_BRANCH] ?? nextByPosition(steps, index);
}

/** After a skip (missing skill / open circuit with `skip`): the `default` route, else the next step. */
export function nextAfterSkip(steps: readonly StepDefinition[], index: number): string {
  return steps[index]!.routes[DEFAULT_BRANCH] ?? nextByPosition(steps, index);
}

/** After a failure: only an explicit `on_error` route continues the run; `default` never catches errors. */
export function nextAfterFailure(steps: readonly StepDefinition[], index: number): string | undefined {
  return steps[index]!.routes[ERROR_BRANCH];
}
