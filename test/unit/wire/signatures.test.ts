// Known answers for every signature of the wire (D210, D215): each expected value is computed here by an
// independent route, Python 3's hmac, hashlib, base64 and json, as the Shunya team would compute it, and by
// jose for the JWT Otto minted with it before wire/ (issue 19).
import { spawnSync } from 'node:child_process';
import { jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { callRailSignature } from '../../../wire/callrail.ts';
import { decodeJwt, JwtError, mintJwt, signJwtHs256, verifyJwtHs256 } from '../../../wire/jwt.ts';
import {
  handoffWebhookSignature,
  requestSignature,
  shunyaWebhookSignatureOfBody,
  shunyaWebhookSignatureOfPayload,
} from '../../../wire/signatures.ts';
import { callRailHeaders, callRailPayload, signedCallRailCall } from '../../../wire/traffic.ts';

/** Runs `script` with python3; `args` arrive as sys.argv[1:]; its stdout, trimmed. */
function python(script: string, ...args: string[]): string {
  const r = spawnSync('python3', ['-c', script, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return r.stdout.trim();
}

const SECRET = 'test-only-uwc-hmac-secret-3e7f19c5a2d84b60';
const TS_ISO = '2026-12-07T06:00:00.123Z';
const TS_MS = '1796623200123';
// Non-ASCII, an astral character, spacing and key order Python's json would not keep.
const BODY = '{"call_id": 7, "audio_url": "https://a.example/é😀.mp3",  "meta":{"z":1.0,"a":[2.50,1e5]}}';

const HMAC_HEX = `
import hmac, hashlib, sys
print(hmac.new(sys.argv[1].encode(), (sys.argv[2] + sys.argv[3]).encode(), hashlib.sha256).hexdigest())
`;

describe('X-Signature and the handoff webhook profile (§4.5, §8.1)', () => {
  it('is hex HMAC-SHA256 of "{timestamp}." and the body bytes', () => {
    expect(requestSignature(SECRET, TS_ISO, BODY)).toBe(python(HMAC_HEX, SECRET, `${TS_ISO}.`, BODY));
    expect(requestSignature(SECRET, TS_ISO, Buffer.from(BODY))).toBe(requestSignature(SECRET, TS_ISO, BODY));
    expect(handoffWebhookSignature(SECRET, TS_MS, BODY)).toBe(python(HMAC_HEX, SECRET, `${TS_MS}.`, BODY));
  });

  it('changes with one byte of the body, the timestamp or the secret', () => {
    const sig = handoffWebhookSignature(SECRET, TS_MS, BODY);
    expect(handoffWebhookSignature(SECRET, TS_MS, `${BODY} `)).not.toBe(sig);
    expect(handoffWebhookSignature(SECRET, `${TS_MS}0`, BODY)).not.toBe(sig);
    expect(handoffWebhookSignature(`${SECRET}x`, TS_MS, BODY)).not.toBe(sig);
  });
});

describe("Shunya's published webhook profile (D1)", () => {
  // As a Python Shunya signs: over json.dumps(payload, sort_keys=True) of the dict it sends.
  const SHUNYA_SIGNS = `
import hmac, hashlib, json, sys
payload = json.loads(sys.argv[3])
print(hmac.new(sys.argv[1].encode(), (sys.argv[2] + ":" + json.dumps(payload, sort_keys=True)).encode(), hashlib.sha256).hexdigest())
`;

  it('the receiver re-creates the signed text from the raw body', () => {
    expect(shunyaWebhookSignatureOfBody(SECRET, TS_MS, BODY)).toBe(python(SHUNYA_SIGNS, SECRET, TS_MS, BODY));
  });

  it('the sender signs its payload, with the floats it names', () => {
    const payload = {
      task_id: 't-1',
      call_id: 7,
      data: { start_time: 0, confidence: 1, words: ['é', '😀'] },
    };
    const floatKey = (k: string) => k === 'start_time' || k === 'confidence';
    const asPython =
      '{"task_id": "t-1", "call_id": 7, "data": {"start_time": 0.0, "confidence": 1.0, "words": ["é", "😀"]}}';
    expect(shunyaWebhookSignatureOfPayload(SECRET, TS_MS, payload, floatKey)).toBe(
      python(SHUNYA_SIGNS, SECRET, TS_MS, asPython),
    );
    // Without the float keys, 0 and 1 are ints: another text, another signature.
    expect(shunyaWebhookSignatureOfPayload(SECRET, TS_MS, payload)).not.toBe(
      shunyaWebhookSignatureOfPayload(SECRET, TS_MS, payload, floatKey),
    );
  });

  it('refuses a body that is not JSON', () => {
    expect(() => shunyaWebhookSignatureOfBody(SECRET, TS_MS, '{"a": ')).toThrow(SyntaxError);
  });
});

describe("CallRail's signature (§3.1, D13)", () => {
  const CALLRAIL = `
import base64, hashlib, hmac, sys
digest = hashlib.sha256 if sys.argv[3] == "hmac-sha256" else hashlib.sha1
print(base64.b64encode(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), digest).digest()).decode())
`;
  const KEY = 'demo-callrail-signing-key-0001';

  it('is base64 HMAC-SHA1 by default, HMAC-SHA256 when the tenant says so', () => {
    expect(callRailSignature(KEY, BODY)).toBe(python(CALLRAIL, KEY, BODY, 'hmac-sha1'));
    expect(callRailSignature(KEY, BODY, 'hmac-sha1')).toBe(python(CALLRAIL, KEY, BODY, 'hmac-sha1'));
    expect(callRailSignature(KEY, Buffer.from(BODY), 'hmac-sha256')).toBe(
      python(CALLRAIL, KEY, BODY, 'hmac-sha256'),
    );
  });

  it("the README's openssl example gives the same header", () => {
    const r = spawnSync(
      'sh',
      ['-c', `printf '%s' "$BODY" | openssl dgst -sha1 -hmac "$KEY" -binary | base64`],
      {
        env: { ...process.env, BODY, KEY },
        encoding: 'utf8',
      },
    );
    expect(r.stdout.trim()).toBe(callRailSignature(KEY, BODY));
  });

  it('the traffic builder sends the body it signed, without the fields left out', () => {
    const call = {
      resourceId: 'CAL1',
      callrailCompanyId: '100000001',
      recordingUrl: 'https://recordings.example.com/a.mp3',
      durationSeconds: 300,
      customerPhone: '+12175550123',
    };
    const { body, headers } = signedCallRailCall(call, KEY, 'hmac-sha256');
    expect(JSON.parse(body)).toEqual({
      resource_id: 'CAL1',
      company_id: '100000001',
      duration: '300',
      recording: 'https://recordings.example.com/a.mp3',
      customer_phone_number: '+12175550123',
    });
    expect(body).toBe(JSON.stringify(callRailPayload(call)));
    expect(headers).toEqual(callRailHeaders(KEY, body, 'hmac-sha256'));
    expect(headers.signature).toBe(python(CALLRAIL, KEY, body, 'hmac-sha256'));
  });
});

describe('the Shunya JWT (§4.5, §7.1)', () => {
  const JWT_SECRET = 'test-only-uwc-jwt-secret-8d2b6a41f07c9e35';
  const NOW_MS = 1_796_623_200_123;
  const settings = { secret: JWT_SECRET, issuer: 'otto-backend', audience: 'uwc' };
  // As a Python service mints HS256 by hand (compact JSON, base64url without padding).
  const PY_JWT = `
import base64, hashlib, hmac, json, sys
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
part = lambda v: b64(json.dumps(v, separators=(",", ":")).encode())
header, claims = part({"alg": "HS256", "typ": "JWT"}), part(json.loads(sys.argv[2]))
print(header + "." + claims + "." + b64(hmac.new(sys.argv[1].encode(), (header + "." + claims).encode(), hashlib.sha256).digest()))
`;

  it('is what Python mints, and what jose minted before wire/, byte for byte', async () => {
    const iat = Math.floor(NOW_MS / 1000);
    const claims = { company_id: 'c-1', iat, exp: iat + 300, iss: 'otto-backend', aud: 'uwc' };
    const token = mintJwt(settings, 'c-1', NOW_MS);
    expect(token).toBe(python(PY_JWT, JWT_SECRET, JSON.stringify(claims)));
    const jose = await new SignJWT({ company_id: 'c-1' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(iat)
      .setExpirationTime(iat + 300)
      .setIssuer('otto-backend')
      .setAudience('uwc')
      .sign(new TextEncoder().encode(JWT_SECRET));
    expect(token).toBe(jose);
  });

  it('leaves out iss and aud when they are not configured, and honours the lifetime', () => {
    const token = mintJwt({ secret: JWT_SECRET, ttlSeconds: 60 }, 'c-2', NOW_MS);
    const iat = Math.floor(NOW_MS / 1000);
    expect(decodeJwt(token)?.claims).toEqual({ company_id: 'c-2', iat, exp: iat + 60 });
  });

  it('verifies a token Python minted, and jose verifies one wire minted', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const claims = { company_id: 'c-3', iat: nowS, exp: nowS + 300 };
    const token = python(PY_JWT, JWT_SECRET, JSON.stringify(claims));
    expect(
      verifyJwtHs256(token, JWT_SECRET, { clockToleranceS: 30, requiredClaims: ['exp', 'iat'] }),
    ).toEqual(claims);
    const ours = mintJwt(settings, 'c-3', Date.now());
    const { payload } = await jwtVerify(ours, new TextEncoder().encode(JWT_SECRET), {
      algorithms: ['HS256'],
    });
    expect(payload.company_id).toBe('c-3');
  });

  const refusal = (
    token: string,
    o: { clockToleranceS: number; requiredClaims?: string[]; nowS?: number },
  ) => {
    try {
      verifyJwtHs256(token, JWT_SECRET, o);
    } catch (err) {
      if (err instanceof JwtError) return err;
      throw err;
    }
    throw new Error('the token was accepted');
  };

  it("refuses with jose's codes, and an expired token's error carries its claims", () => {
    const iat = Math.floor(NOW_MS / 1000);
    const token = mintJwt(settings, 'c-4', NOW_MS);
    const at = (nowS: number) => ({ clockToleranceS: 30, requiredClaims: ['exp', 'iat'], nowS });
    expect(() => verifyJwtHs256(token, JWT_SECRET, at(iat + 300 + 29))).not.toThrow();
    const expired = refusal(token, at(iat + 300 + 30));
    expect(expired.code).toBe('ERR_JWT_EXPIRED');
    expect(expired.payload?.company_id).toBe('c-4');
    expect(refusal(mintJwt({ ...settings, secret: 'another' }, 'c-4', NOW_MS), at(iat)).code).toBe(
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    );
    expect(refusal('not-a-jwt', at(iat)).code).toBe('ERR_JWS_INVALID');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${token.split('.')[1]}.`;
    expect(refusal(none, at(iat)).code).toBe('ERR_JOSE_ALG_NOT_ALLOWED');
    const noExp = signJwtHs256({ company_id: 'c-4', iat }, JWT_SECRET);
    expect(refusal(noExp, at(iat)).code).toBe('ERR_JWT_CLAIM_VALIDATION_FAILED');
    const notYet = signJwtHs256({ company_id: 'c-4', iat, exp: iat + 300, nbf: iat + 60 }, JWT_SECRET);
    expect(refusal(notYet, at(iat)).code).toBe('ERR_JWT_CLAIM_VALIDATION_FAILED');
    expect(decodeJwt('a.b')).toBeNull();
  });
});
