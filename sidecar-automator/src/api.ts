// The sidecar's HTTP API as types, for its caller (the core's web-automation client). Type-only: the
// core never runs sidecar code, it talks to the process over HTTP (see README.md, "API").
export type { RecordingState, RecordingView } from './recording/recordings.ts';
export type { RecordingResult } from './recording/recording-session.ts';
export type { ReplayError, ReplayResult, ScrapedData, StepResult } from './replay/replay-result.ts';
export type { StorageState } from './replay/replay-request.ts';
export type { SavedFile } from './storage/save-download.ts';
export type { ErrorBody } from './server/error-handler.ts';
