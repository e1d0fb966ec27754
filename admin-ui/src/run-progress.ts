import { onBeforeUnmount, ref, type Ref } from 'vue';
import { api, errorText } from './api/client.ts';
import {
  ENDED_STATUSES,
  type RunDetail,
  type RunEventPayloads,
  type StepResult,
} from './api/workflow-types.ts';

export interface RunProgress {
  detail: Ref<RunDetail | undefined>;
  /** The step executing now, while the run is live. */
  current: Ref<{ stepId: string; stepName: string } | undefined>;
  /** True while the live-progress stream is open. */
  live: Ref<boolean>;
  error: Ref<string | undefined>;
  /** Reads the run again from the API (after cancel or approve, say). */
  reload(): Promise<void>;
}

const FLUSH_EVERY_MS = 150;

function parse<K extends keyof RunEventPayloads>(event: MessageEvent<string>): RunEventPayloads[K] {
  return JSON.parse(event.data) as RunEventPayloads[K];
}

/** Steps arrive in order (seq); one already known (from the snapshot) is not added twice. */
function withStep(steps: StepResult[], step: StepResult): StepResult[] {
  const last = steps.at(-1);
  if (!last || step.seq > last.seq) return [...steps, step];
  return steps.some((known) => known.seq === step.seq)
    ? steps
    : [...steps, step].sort((a, b) => a.seq - b.seq);
}

/**
 * Follows one run: the server-sent events of `/api/workflows/runs/:runId/events` while it is live
 * (a snapshot, then each step as it starts and finishes, then the status), and one read of the
 * run detail when it ends, so what is shown is what the history keeps.
 */
export function useRunProgress(runId: string): RunProgress {
  const detail = ref<RunDetail>();
  const current = ref<{ stepId: string; stepName: string }>();
  const live = ref(false);
  const error = ref<string>();
  let source: EventSource | undefined;

  // A loop of trivial steps can send thousands of events a second: they are applied to the page
  // in batches, a few times a second, so it stays responsive (its Cancel button included).
  let arrived: StepResult[] = [];
  let running: { stepId: string; stepName: string } | undefined;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  const flush = (): void => {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    if (detail.value && arrived.length > 0) {
      let steps = detail.value.steps;
      for (const step of arrived) steps = withStep(steps, step);
      detail.value = { ...detail.value, steps };
    }
    arrived = [];
    current.value = running;
  };
  const scheduleFlush = (): void => {
    flushTimer ??= setTimeout(flush, FLUSH_EVERY_MS);
  };

  const stop = (): void => {
    flush();
    source?.close();
    source = undefined;
    live.value = false;
    running = undefined;
    current.value = undefined;
  };

  async function reload(): Promise<void> {
    try {
      detail.value = await api.workflowRun(runId);
      error.value = undefined;
    } catch (caught) {
      error.value = `Could not load the run: ${errorText(caught)}`;
    }
  }

  const ended = (): void => {
    stop();
    void reload();
  };

  source = new EventSource(api.workflowRunEventsUrl(runId));
  live.value = true;
  source.addEventListener('snapshot', (event) => {
    detail.value = parse<'snapshot'>(event);
    if (ENDED_STATUSES.includes(detail.value.run.status)) ended();
  });
  source.addEventListener('step_started', (event) => {
    const { stepId, stepName } = parse<'step_started'>(event);
    running = { stepId, stepName };
    scheduleFlush();
  });
  source.addEventListener('step_finished', (event) => {
    const step = parse<'step_finished'>(event);
    arrived.push(step);
    if (running?.stepId === step.stepId) running = undefined;
    scheduleFlush();
  });
  source.addEventListener('run_status', (event) => {
    const { status } = parse<'run_status'>(event);
    flush();
    if (detail.value) detail.value = { ...detail.value, run: { ...detail.value.run, status } };
    if (ENDED_STATUSES.includes(status)) ended();
  });
  // The stream dropped before the run ended (server restart, lost session): read the run instead of
  // letting the browser reconnect forever; `reload` says why if the run cannot be read either.
  source.addEventListener('error', () => {
    if (source) ended();
  });

  onBeforeUnmount(stop);
  return { detail, current, live, error, reload };
}
