// npm run licenses and the SBOM (D189): the allowlist check refuses a licence outside the list, accepts a
// named exception, reads SPDX expressions; the SBOM is CycloneDX 1.6 of exactly the production packages.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Allowlist,
  declaredLicense,
  expressionAllowed,
  licenseRows,
  readAllowlist,
} from '../../scripts/supply-chain/licenses.ts';
import { productionPackages, readLockfile } from '../../scripts/supply-chain/lock.ts';
import { buildSbom } from '../../scripts/supply-chain/sbom.ts';
import { ROOT } from '../helpers/spawn.ts';

const LIST: Allowlist = {
  allowed: ['MIT', 'ISC', 'Apache-2.0'],
  exceptions: [{ package: 'odd', license: 'WTFPL', reason: 'a test' }],
};

describe('licence expressions', () => {
  it('need one allowed alternative of an OR and every part of an AND', () => {
    const allowed = new Set(LIST.allowed);
    expect(expressionAllowed('MIT', allowed)).toBe(true);
    expect(expressionAllowed('(MPL-2.0 OR Apache-2.0)', allowed)).toBe(true);
    expect(expressionAllowed('(MIT AND GPL-3.0-only)', allowed)).toBe(false);
    expect(expressionAllowed('GPL-3.0-only', allowed)).toBe(false);
    expect(declaredLicense({ licenses: [{ type: 'MIT' }, { type: 'ISC' }] })).toBe('MIT OR ISC');
    expect(declaredLicense({})).toBeUndefined();
  });
});

describe('the allowlist check', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'otto-licenses-'));
    const pkg = (location: string, manifest: object) => {
      mkdirSync(path.join(dir, location), { recursive: true });
      writeFileSync(path.join(dir, location, 'package.json'), JSON.stringify(manifest));
    };
    const lock = {
      name: 'app',
      version: '1.0.0',
      lockfileVersion: 3,
      packages: {
        '': { dependencies: { fine: '1', copyleft: '1', odd: '1' } },
        'node_modules/fine': { version: '1.0.0', license: 'MIT' },
        'node_modules/copyleft': { version: '2.0.0', license: 'GPL-3.0-only' },
        'node_modules/odd': { version: '0.1.0', license: 'WTFPL' },
        'node_modules/devonly': { version: '1.0.0', license: 'GPL-3.0-only', dev: true },
        'node_modules/@other/platform': { version: '1.0.0', license: 'GPL-3.0-only', optional: true },
      },
    };
    writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(lock));
    pkg('node_modules/fine', { name: 'fine', license: 'MIT' });
    pkg('node_modules/copyleft', { name: 'copyleft', license: 'GPL-3.0-only' });
    pkg('node_modules/odd', { name: 'odd', license: 'WTFPL' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a production package outside the list, accepts an exception, ignores dev and absent optional packages', () => {
    const rows = licenseRows(dir, LIST);
    expect(rows.map((r) => [r.name, r.license, r.verdict])).toEqual([
      ['copyleft', 'GPL-3.0-only', 'refused'],
      ['fine', 'MIT', 'allowed'],
      ['odd', 'WTFPL', 'exception'],
    ]);
  });

  it("passes on the repository's own production dependencies", () => {
    const refused = licenseRows(ROOT, readAllowlist()).filter((r) => r.verdict === 'refused');
    expect(refused).toEqual([]);
  });

  it('states a reason for every exception', () => {
    for (const x of readAllowlist().exceptions) expect(x.reason.length).toBeGreaterThan(40);
  });
});

describe('the SBOM', () => {
  const lock = readLockfile(ROOT);
  const sbom = buildSbom(lock, new Date('2026-01-01T00:00:00Z'));

  it('is CycloneDX 1.6 JSON with a serial number, a timestamp and the application it describes', () => {
    expect(sbom).toMatchObject({
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      version: 1,
      metadata: {
        timestamp: '2026-01-01T00:00:00.000Z',
        component: {
          type: 'application',
          name: 'otto-shunya-integration',
          purl: 'pkg:npm/otto-shunya-integration@0.1.0',
        },
      },
    });
    expect(sbom.serialNumber).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
  });

  it('lists exactly the production packages, each with its purl, licence and hash', () => {
    expect(sbom.components).toHaveLength(productionPackages(lock).length);
    const names = sbom.components.map((c) => (c.group ? `${c.group}/${c.name}` : c.name));
    expect(names).toEqual(expect.arrayContaining(['koa', 'pg', 'graphile-worker', '@koa/router']));
    expect(names).not.toEqual(expect.arrayContaining(['vitest']));
    expect(names).not.toContain('tsx');
    const router = sbom.components.find((c) => c.group === '@koa' && c.name === 'router');
    expect(router).toMatchObject({
      purl: 'pkg:npm/%40koa/router@15.7.0',
      scope: 'required',
      licenses: [{ license: { id: 'MIT' } }],
    });
    expect(router?.hashes?.[0]).toMatchObject({
      alg: 'SHA-512',
      content: expect.stringMatching(/^[0-9a-f]{128}$/),
    });
    const refs = sbom.components.map((c) => c['bom-ref']);
    expect(new Set(refs).size).toBe(refs.length);
  });

  it("gives the dependency graph, every edge between the document's own components", () => {
    const refs = new Set([sbom.metadata.component['bom-ref'], ...sbom.components.map((c) => c['bom-ref'])]);
    for (const d of sbom.dependencies) {
      expect(refs.has(d.ref)).toBe(true);
      for (const to of d.dependsOn) expect(refs.has(to)).toBe(true);
    }
    const root = sbom.dependencies.find((d) => d.ref === sbom.metadata.component['bom-ref']);
    expect(root?.dependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^pkg:npm\/koa@/)]));
  });
});
