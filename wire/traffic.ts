// The canonical traffic Otto receives (§3.1, §3.2): CallRail's post-call webhook and a recording upload,
// built one way for the bench, the chaos run, the demo, the kit's --target otto and the tests (D213).
import { callRailSignature } from './callrail.ts';

export interface CallRailCall {
  /** CallRail's call id (`resource_id`). */
  resourceId: string;
  /** The tenant's CallRail company id. */
  callrailCompanyId: string;
  recordingUrl: string;
  durationSeconds: number;
  customerPhone: string;
  customerName?: string;
  direction?: 'inbound' | 'outbound';
  answered?: boolean;
}

/** CallRail's post-call webhook body (§3.1); fields left undefined are not sent. */
export function callRailPayload(c: CallRailCall): Record<string, unknown> {
  return {
    resource_id: c.resourceId,
    company_id: c.callrailCompanyId,
    answered: c.answered,
    direction: c.direction,
    // CallRail sends the duration as a string of seconds.
    duration: String(c.durationSeconds),
    recording: c.recordingUrl,
    customer_phone_number: c.customerPhone,
    customer_name: c.customerName,
  };
}

/** The headers CallRail sends with `rawBody`, signed with the tenant's key (D13). */
export function callRailHeaders(
  key: string,
  rawBody: string,
  algorithm?: string | null,
): Record<string, string> {
  return { 'content-type': 'application/json', signature: callRailSignature(key, rawBody, algorithm) };
}

/** The body and headers of one CallRail delivery. */
export function signedCallRailCall(
  c: CallRailCall,
  key: string,
  algorithm?: string | null,
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(callRailPayload(c));
  return { body, headers: callRailHeaders(key, body, algorithm) };
}

/** A US phone number (+1 217 …) from a number in [0, 1), for generated callers. */
export const phoneNumber = (unit: number) => `+1217${String(Math.floor(unit * 1e7)).padStart(7, '0')}`;

export interface RecordingUpload {
  audioUrl: string;
  fileSizeBytes: number;
  durationSeconds: number;
}

/** The rep app's upload of a visit's recording (§3.2). */
export function recordingUploadBody(u: RecordingUpload): Record<string, unknown> {
  return { audio_url: u.audioUrl, file_size_bytes: u.fileSizeBytes, duration_seconds: u.durationSeconds };
}
