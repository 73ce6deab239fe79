// D320: the JWT and request-signature rules are stated once, in `x-authentication`; `x-implementation`
// once restated them under other key names (D168 had to reconcile the two).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { ROOT } from '../helpers/spawn.ts';

const doc = YAML.parse(readFileSync(path.join(ROOT, 'contracts/shunya.openapi.yaml'), 'utf8'));

describe('the Shunya contract states each authentication rule once', () => {
  it('x-implementation holds no JWT or request-signature table', () => {
    expect(Object.keys(doc['x-implementation'])).not.toContain('jwt');
    expect(Object.keys(doc['x-implementation'])).not.toContain('request_signature');
  });
  it('x-authentication holds every rule the guide cites', () => {
    const auth = doc['x-authentication'];
    expect(auth.jwt).toMatchObject({
      algorithms: ['HS256'],
      leeway_s: 30,
      issuer: 'otto-backend',
      audience: 'uwc',
    });
    expect(auth.jwt.refused_algorithms).toContain('none');
    expect(auth.request_signature).toMatchObject({ required: 'with_body', verify_when_present: true });
  });
  it('the implementer guide cites no removed key', () => {
    const guide = readFileSync(path.join(ROOT, 'docs/implementing-shunya.md'), 'utf8');
    expect(guide).not.toMatch(/x-implementation\.(jwt|request_signature)/);
  });
});
