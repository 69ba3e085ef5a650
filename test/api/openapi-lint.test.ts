import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers.js';

/**
 * The served OpenAPI document as third-party tools check it: Redocly CLI's recommended ruleset (the pinned
 * devDependency, run offline), and the conventions of issue 13 that the ruleset leaves to us.
 */

const run = promisify(execFile);
const REDOCLY = join(dirname(createRequire(import.meta.url).resolve('@redocly/cli/package.json')), 'bin', 'cli.js');

interface Problem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer: string }[];
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let t: TestApp;
let doc: Json;
let dir: string;
beforeAll(async () => {
  t = await startTestApp();
  doc = (await request(t.app).get('/openapi.json').expect(200)).body;
  dir = await mkdtemp(join(tmpdir(), 'rm-openapi-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await t.close();
});

const operations = () =>
  Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op: op as Json })),
  );

describe('the OpenAPI document', () => {
  it("passes Redocly CLI's recommended rules with no error", async () => {
    const file = join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(doc, null, 2));
    // Exit code 1 means errors were found; the report on stdout says which.
    const { stdout } = await run(
      process.execPath,
      [REDOCLY, 'lint', '--extends=recommended', file, '--format=json', '--max-problems=1000'],
      {
        cwd: dir,
        timeout: 60_000,
        maxBuffer: 32 * 1024 * 1024,
        env: {
          ...process.env,
          REDOCLY_TELEMETRY: 'off',
          REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
          DO_NOT_TRACK: '1',
          NO_COLOR: '1',
        },
      },
    ).catch((err: { stdout?: string; stderr?: string; code?: unknown }) => {
      if (err.stdout) return { stdout: err.stdout };
      throw new Error(`Redocly did not run (exit ${String(err.code)}): ${err.stderr ?? ''}`);
    });
    const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: Problem[] };
    const errors = report.problems
      .filter((p) => p.severity === 'error')
      .map((p) => `${p.ruleId} at ${p.location.map((l) => l.pointer).join(', ')}: ${p.message}`);
    expect(errors, `Redocly errors:\n${errors.join('\n')}`).toEqual([]);
    expect(report.totals.errors).toBe(0);
  });

  it('declares security, an operationId, a description and a declared tag on every operation', () => {
    const schemes = Object.keys(doc.components.securitySchemes);
    const tags = new Map((doc.tags as { name: string; description?: string }[]).map((t) => [t.name, t.description]));
    for (const [, description] of tags) expect(description).toBeTruthy();
    const ids = new Set<string>();
    for (const { name, op } of operations()) {
      expect(op.operationId, name).toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
      expect(ids.has(op.operationId), `${name}: operationId ${op.operationId} twice`).toBe(false);
      ids.add(op.operationId);
      expect(op.description, name).toBeTruthy();
      for (const tag of op.tags) expect(tags.get(tag), `${name}: tag ${tag} declared with a description`).toBeTruthy();
      expect(Array.isArray(op.security), `${name}: security`).toBe(true);
      for (const requirement of op.security)
        for (const scheme of Object.keys(requirement)) expect(schemes).toContain(scheme);
      const expected = name.includes(' /v1/admin/') ? 'adminToken' : op.responses['401'] ? 'bearerAuth' : undefined;
      expect(op.security, name).toEqual(expected ? [{ [expected]: [] }] : []);
    }
    expect(doc.paths['/v1/capabilities'].get.security).toEqual([]);
    expect(doc.paths['/v1/needs'].post.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/v1/admin/organisations'].post.security).toEqual([{ adminToken: [] }]);
  });

  it('documents 503 everywhere, 429 where a limit applies, Idempotency-Key on POSTs and Location on creates', () => {
    for (const { name, op } of operations()) {
      expect(op.responses['503']?.content?.['application/problem+json'], `${name}: 503`).toBeDefined();
      const writes = !name.startsWith('GET ') && op.security.some((r: Json) => 'bearerAuth' in r);
      if (writes) expect(op.responses['429']?.headers?.['Retry-After'], `${name}: 429 with Retry-After`).toBeDefined();
      if (name.startsWith('POST ') && op.security.length > 0) {
        const header = (op.parameters ?? []).find((p: Json) => p.in === 'header' && p.name === 'Idempotency-Key');
        expect(header, `${name}: Idempotency-Key`).toBeDefined();
      }
    }
    expect(doc.paths['/v1/signup'].post.responses['429']).toBeDefined();
    expect(doc.paths['/v1/signup'].post.parameters).toContainEqual(
      expect.objectContaining({ in: 'header', name: 'Idempotency-Key' }),
    );
    for (const path of ['/v1/needs', '/v1/offerings', '/v1/consortia', '/v1/matches/{id}/introductions']) {
      expect(doc.paths[path].post.responses['201'].headers?.Location, `${path}: Location`).toBeDefined();
    }
  });

  it('gives every timestamp format date-time', () => {
    const loose: string[] = [];
    const visit = (node: unknown, at: string): void => {
      if (node === null || typeof node !== 'object') return;
      if (Array.isArray(node)) return node.forEach((n, i) => visit(n, `${at}/${i}`));
      const schema = node as Json;
      for (const [key, value] of Object.entries((schema.properties ?? {}) as Json)) {
        const types = [value?.type].flat();
        if (/At$/.test(key) && types.includes('string') && value.format !== 'date-time') loose.push(`${at}/${key}`);
      }
      for (const [key, value] of Object.entries(schema)) visit(value, `${at}/${key}`);
    };
    visit(doc, '#');
    expect(loose).toEqual([]);
  });
});
