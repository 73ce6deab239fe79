// Live updates from the operator event stream (GET /api/v1/ops/events, D265), in place of the polls of
// D122 for the job list and a journey (D267). One EventSource per tab, open while a view listens. It opens
// with a single-use ticket (D266), so its own reconnection, which repeats the URL, would be refused: on an
// error it is closed and opened again with a new ticket and `after=` the last id it received, so that no
// event is lost across the gap. Besides domain events it hears how jobs move in the queue (D381).
import { useEffect, useRef, useState } from 'preact/hooks';
import { createOpsStreamTicket } from '../../generated/otto/sdk.gen.ts';
import type {
  DomainEvent,
  EventType,
  OperatorEvent,
  OperatorEventType,
} from '../../generated/otto/types.gen.ts';
import { call, type Polled, usePoll } from './api.ts';

/** Every event type: EventSource delivers a named event only to a listener for its name. */
const EVENT_TYPES: Record<EventType | OperatorEventType, true> = {
  'call.transcribed': true,
  'call.analyzed': true,
  'lead.updated': true,
  'appointment.created': true,
  'appointment.outcome_updated': true,
  'recording_session.analyzed': true,
  'shunya.job.succeeded': true,
  'shunya.job.failed': true,
  'shunya.job.timeout': true,
  // a job admitted, retried, rescheduled or put back to pending: the operator stream's own (D381)
  'shunya.job.state_changed': true,
};
const RECONNECT_MS = 2000;
/** Events come in bursts (a job's completion writes several): one reload per burst. */
const DEBOUNCE_MS = 300;

export type LiveStatus = 'connecting' | 'live' | 'offline';
/** A listener gets each event, and `null` when a connection opens (what it shows may be older). */
type Listener = (e: StreamEvent | null) => void;
/** What the operator stream carries: every tenant's domain events and the jobs' moves (D381). */
export type StreamEvent = DomainEvent | OperatorEvent;

const listeners = new Set<Listener>();
const statusListeners = new Set<(s: LiveStatus) => void>();
let status: LiveStatus = 'offline';
let source: EventSource | undefined;
let lastId: string | undefined;
let retry: ReturnType<typeof setTimeout> | undefined;
let generation = 0; // bumped on close, so that a ticket arriving late opens nothing

function setStatus(s: LiveStatus) {
  if (s === status) return;
  status = s;
  for (const l of statusListeners) l(s);
}

function deliver(e: StreamEvent | null) {
  for (const l of listeners) l(e);
}

async function connect() {
  const mine = generation;
  setStatus('connecting');
  let ticket: string;
  try {
    ticket = (await call(createOpsStreamTicket())).ticket;
  } catch {
    if (mine === generation) reconnectLater();
    return;
  }
  if (mine !== generation) return;
  const url = new URL('/api/v1/ops/events', location.origin);
  url.searchParams.set('ticket', ticket);
  if (lastId) url.searchParams.set('after', lastId);
  const es = new EventSource(url);
  source = es;
  es.onopen = () => {
    setStatus('live');
    deliver(null);
  };
  const onEvent = (m: MessageEvent<string>) => {
    if (m.lastEventId) lastId = m.lastEventId;
    deliver(JSON.parse(m.data) as StreamEvent);
  };
  for (const type of Object.keys(EVENT_TYPES)) es.addEventListener(type, onEvent);
  es.onerror = () => {
    es.close();
    if (source === es) source = undefined;
    reconnectLater();
  };
}

function reconnectLater() {
  setStatus('offline');
  clearTimeout(retry);
  retry = setTimeout(() => void connect(), RECONNECT_MS);
}

function subscribe(l: Listener): () => void {
  listeners.add(l);
  if (listeners.size === 1) void connect();
  return () => {
    listeners.delete(l);
    if (listeners.size > 0) return;
    generation++;
    clearTimeout(retry);
    source?.close();
    source = undefined;
    setStatus('offline');
  };
}

export function useLiveStatus(): LiveStatus {
  const [s, setS] = useState(status);
  useEffect(() => {
    statusListeners.add(setS);
    setS(status);
    return () => void statusListeners.delete(setS);
  }, []);
  return s;
}

/**
 * Loads once, then again (debounced) whenever an event that `concerns` it arrives or the stream
 * (re)opens; no timer reloads it.
 */
export function useLive<T>(
  load: () => Promise<T>,
  deps: unknown[],
  concerns: (e: StreamEvent) => boolean,
): Polled<T> {
  const polled = usePoll(load, 0, deps);
  const refresh = useRef(polled.refresh);
  refresh.current = polled.refresh;
  const concernsRef = useRef(concerns);
  concernsRef.current = concerns;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    // an opening reloads too: a stream starts at the present, and what changed between the first load
    // and the opening would otherwise wait for the next event
    const unsubscribe = subscribe((e) => {
      if (e !== null && !concernsRef.current(e)) return;
      clearTimeout(timer);
      timer = setTimeout(() => refresh.current(), DEBOUNCE_MS);
    });
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, []);
  return polled;
}

/** The small "live" mark of a view: whether the stream is open, and when the view last loaded. */
export function LiveIndicator({ updatedAt }: { updatedAt: Date | undefined }) {
  const s = useLiveStatus();
  const time = updatedAt ? ` · updated ${updatedAt.toLocaleTimeString(undefined, { hour12: false })}` : '';
  return (
    <p class={`muted live live-${s}`} aria-live="off" data-live={s}>
      <span class="live-dot" aria-hidden="true" />
      {s === 'live' ? 'live' : s === 'connecting' ? 'connecting…' : 'reconnecting…'}
      {time}
    </p>
  );
}
