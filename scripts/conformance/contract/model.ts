// The expectations the kit reads from the contract (or, where the contract is silent, from the handoff).

export interface CatalogueEntry {
  code: string;
  status: number;
  type: string;
  retryable: boolean;
  /** Where the entry came from (the contract's extension, or a handoff section). */
  source: string;
  /** When the code is used, as the contract words it. */
  when?: string;
}

export interface WebhookPolicy {
  /** Delay before the first retry, seconds; null when the contract states none. */
  firstDelayS: number | null;
  /** Each retry's delay is the previous one times this. */
  factor: number;
  /** ± fraction of each delay. */
  jitter: number;
  maxDelayS: number | null;
  /** Attempts in all (the first delivery included); null when unstated. */
  attempts: number | null;
  giveUpAfterS: number | null;
  attemptTimeoutS: number | null;
  /** Otto's answers (status codes as strings, or `timeout`) after which Shunya retries. */
  retriedAnswers: string[];
  /** Otto's answers after which Shunya does not retry. */
  notRetriedAnswers: string[];
  /** How far X-Shunya-Timestamp may be from the receiver's clock, seconds. */
  toleranceS: number;
  /** How late after its jittered delay an attempt may still start (a scheduler's lag), seconds; null
   * when the contract bounds retries only from below. */
  lateToleranceS: number | null;
  source: string;
}

export interface SortKey {
  field: string;
  direction: 'asc' | 'desc';
  nulls: 'first' | 'last';
  /** Enum values from first to last, when the key is ranked rather than compared. */
  rank?: string[];
}

export interface OrderingRule {
  /** The array's property name, wherever it occurs in a result. */
  property: string;
  /** Sort keys, most significant first. */
  by: SortKey[];
  /** Each item starts where the previous ended (speaker labels, §6.7 "no gaps"). */
  contiguous: { start: string; end: string; toleranceS: number } | null;
}

export interface AudioLimits {
  maxBytes: number;
  maxSeconds: number;
  formats: string[];
  /** How over-limit audio may be refused: a synchronous 422, a failed job with the code, or both (D161). */
  refusal: ('synchronous' | 'job_failure')[];
  source: string;
}

export interface Sla {
  target: number;
  max: number;
}

export interface Slas {
  /** Seconds of processing per second of audio. */
  transcriptionPerAudioSecond: Sla;
  /** Seconds after the transcript is available. */
  analysis: Sla;
  segmentation: Sla;
  /** Seconds from completion to the webhook. */
  webhook: Sla;
  source: string;
}

export type ResultKind = 'transcript' | 'analysis' | 'segmentation';

export interface AliasRule {
  kind: ResultKind;
  /** Dotted path of the object inside the result ('' the root, `[]` every item of an array). */
  at: string;
  canonical: string;
  alias: string;
}

/** One line of "where the kit's expectations came from" in the report. */
export interface Provenance {
  what: string;
  from: 'contract' | 'handoff';
  detail: string;
}

/** x-authentication (D160): what a token and a request signature must be. */
export interface AuthRules {
  algorithms: string[];
  issuer: string | null;
  audience: string | null;
  ttlS: number;
  leewayS: number;
  /** Whether a request with a body must carry X-Signature. */
  signatureRequired: boolean;
  source: string;
}

/** x-tenancy (D162): the answers a call the tenant cannot see may get. */
export interface Tenancy {
  status: number;
  codes: string[];
  source: string;
}

/** x-rules (D163): a rule between fields of one object. */
export type FieldRule =
  | { id: string; kind: 'count'; field: string; of: string }
  | { id: string; kind: 'count_by'; field: string; of: string; key: string }
  | {
      id: string;
      kind: 'lookup';
      field: string;
      from: string;
      table: Record<string, unknown>;
      tableAt: string;
    };
