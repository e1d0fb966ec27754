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

function parse<K extends keyof RunEventPayloads>(event: MessageEvent<string>): RunEventPayloads[K] {
  return JSON.parse(event.data) as RunEventPayloads[K];
}

function withStep(steps: StepResult[], step: StepResult): StepResult[] {
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

  const stop = (): void => {
    source?.close();
    source = undefined;
    live.value = false;
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
    current.value = { stepId, stepName };
  });
  source.addEventListener('step_finished', (event) => {
    const step = parse<'step_finished'>(event);
    if (!detail.value) return;
    detail.value = { ...detail.value, steps: withStep(detail.value.steps, step) };
    if (current.value?.stepId === step.stepId) current.value = undefined;
  });
  source.addEventListener('run_status', (event) => {
    const { status } = parse<'run_status'>(event);
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
