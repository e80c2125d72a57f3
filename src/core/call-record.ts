/** One outbound call an action made (AWS or otherwise); appended to the journal. */
export interface CallRecord {
  service: string;
  /** The AWS Region the call was signed for; absent for a call that is not to AWS. */
  region?: string | undefined;
  operation: string;
  /** Request summary with secrets already redacted. */
  request: Record<string, unknown>;
  startedAt: number;
  endedAt: number;
  /** Whether the call changes anything (an injection), as opposed to reading state. */
  mutating: boolean;
  ok: boolean;
  /** Summary of what came back (status, ids, states), secrets redacted. */
  response?: Record<string, unknown> | undefined;
  requestId?: string | undefined;
  error?: { name: string; message: string; fault?: string | undefined } | undefined;
}
