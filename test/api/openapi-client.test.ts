import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import request from 'supertest';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers.js';

/**
 * A client generated from the served document by openapi-typescript, with its default options, accepts the
 * README's example requests as they are written: a field with a default may be left out of a request body.
 */

interface Example {
  method: string;
  /** The path as the README writes it, variables filled in. */
  url: string;
  body: string;
}

/** The words of a shell command line as sh would pass them: quotes removed, `$VAR`s filled with a UUID. */
function shellWords(text: string, from: number): { words: string[]; end: number } {
  const words: string[] = [];
  let word: string | undefined;
  let i = from;
  const push = (s: string) => (word = (word ?? '') + s);
  const variable = (at: number) => /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/.exec(text.slice(at));
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '\n') {
      i += 2;
    } else if (c === '\n' || c === '#' || c === ';' || c === '|' || c === '&') {
      if (c === '#' && word !== undefined) {
        push(c);
        i++;
        continue;
      }
      break;
    } else if (c === ' ' || c === '\t') {
      if (word !== undefined) words.push(word);
      word = undefined;
      i++;
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      push(text.slice(i + 1, close));
      i = close + 1;
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      while (text[j] !== '"') {
        const v = text[j] === '$' ? variable(j) : null;
        if (v) {
          s += randomUUID();
          j += v[0].length;
        } else {
          if (text[j] === '\\' && /["\\$`]/.test(text[j + 1] ?? '')) j++;
          s += text[j];
          j++;
        }
      }
      push(s);
      i = j + 1;
    } else if (c === '$' && variable(i)) {
      const v = variable(i)!;
      push(randomUUID());
      i += v[0].length;
    } else {
      push(c);
      i++;
    }
  }
  if (word !== undefined) words.push(word);
  return { words, end: i };
}

/** Every `curl ... -d '{...}'` of the README's shell blocks. */
function readmeExamples(readme: string): Example[] {
  const examples: Example[] = [];
  for (const block of readme.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
    const code = block[1]!;
    for (const curl of code.matchAll(/(?:^|\n)\s*curl\s/g)) {
      const { words } = shellWords(code, curl.index + curl[0].indexOf('curl'));
      let method: string | undefined;
      let url: string | undefined;
      let body: string | undefined;
      for (let k = 1; k < words.length; k++) {
        const w = words[k]!;
        if (w === '-X' || w === '--request') method = words[++k];
        else if (w === '-d' || w === '--data' || w === '--data-raw' || w === '--json') body = words[++k];
        else if (w === '-H' || w === '--header' || w === '-o' || w === '-u') k++;
        else if (!w.startsWith('-')) url = w;
      }
      if (body === undefined || url === undefined) continue;
      const path = new URL(/^https?:/.test(url) ? url : `http://${url}`).pathname;
      examples.push({ method: (method ?? 'POST').toLowerCase(), url: path, body });
    }
  }
  return examples;
}

/** The documented path template that a concrete path fills in: `/v1/consortia/{id}/invitations`. */
function templateOf(paths: string[], url: string): string | undefined {
  return paths.find((p) => new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(url));
}

/** Type-checks the files of `dir` strictly; the diagnostics, one line each. */
function typeCheck(dir: string, files: string[]): string[] {
  const program = ts.createProgram(
    files.map((f) => join(dir, f)),
    {
      strict: true,
      noEmit: true,
      exactOptionalPropertyTypes: false,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts'],
      types: [],
      skipLibCheck: true,
    },
  );
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    return `${d.file ? d.file.fileName.slice(dir.length + 1) : ''}${where ? `:${where.line + 1}` : ''}: ${text}`;
  });
}

const bodyType = (path: string, method: string) =>
  `NonNullable<paths[${JSON.stringify(path)}][${JSON.stringify(method)}]['requestBody']>['content']['application/json']`;

let t: TestApp;
let dir: string;
let paths: string[];
beforeAll(async () => {
  t = await startTestApp();
  const doc = (await request(t.app).get('/openapi.json').expect(200)).body;
  paths = Object.keys(doc.paths);
  dir = await mkdtemp(join(tmpdir(), 'rm-openapi-client-'));
  // openapi-typescript with its default options, as a client would run it.
  await writeFile(join(dir, 'api.ts'), astToString(await openapiTS(doc)));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await t.close();
});

describe('a client generated by openapi-typescript', () => {
  it("compiles against the README's example requests", async () => {
    const examples = readmeExamples(await readFile(join(import.meta.dirname, '../../README.md'), 'utf8'));
    expect(examples.map((e) => `${e.method} ${templateOf(paths, e.url)}`)).toContain('post /v1/needs');
    const lines = ["import type { paths } from './api';", ''];
    for (const [i, e] of examples.entries()) {
      const template = templateOf(paths, e.url);
      expect(template, `${e.method.toUpperCase()} ${e.url} is documented`).toBeDefined();
      const json = JSON.parse(e.body) as unknown;
      lines.push(`// ${e.method.toUpperCase()} ${template}`);
      lines.push(`export const example${i}: ${bodyType(template!, e.method)} = ${JSON.stringify(json, null, 2)};`);
    }
    await writeFile(join(dir, 'readme-examples.ts'), lines.join('\n') + '\n');
    const diagnostics = typeCheck(dir, ['api.ts', 'readme-examples.ts']);
    expect(diagnostics, `the README's requests do not type-check:\n${diagnostics.join('\n')}`).toEqual([]);
  });

  it('lets every field with a default be left out, and still requires the rest', async () => {
    const uuid = randomUUID();
    const minimal = `import type { paths } from './api';

export const need: ${bodyType('/v1/needs', 'post')} = { title: 'Raman', description: 'In-line Raman', trlMin: 5, trlMax: 8 };
export const offering: ${bodyType('/v1/offerings', 'post')} = { title: 'Raman', description: 'In-line Raman', trl: 6 };
export const signup: ${bodyType('/v1/signup', 'post')} = {
  organisation: { name: 'Halvard', kind: 'biomanufacturer', country: 'GB' },
  user: { name: 'Ada', email: 'ada@halvard.example' },
};
export const token: ${bodyType('/v1/tokens', 'post')} = {};
export const follows: ${bodyType('/v1/me/follows', 'put')} = {};
export const consortium: ${bodyType('/v1/consortia', 'post')} = { title: 'Rapid sterility', scope: 'Common requirements', needIds: ['${uuid}'] };
`;
    await writeFile(join(dir, 'minimal.ts'), minimal);
    expect(typeCheck(dir, ['api.ts', 'minimal.ts'])).toEqual([]);

    // The check has teeth: a body without a required field does not compile.
    await writeFile(
      join(dir, 'missing.ts'),
      `import type { paths } from './api';\nexport const need: ${bodyType('/v1/needs', 'post')} = { description: 'x', trlMin: 5, trlMax: 8 };\n`,
    );
    const missing = typeCheck(dir, ['api.ts', 'missing.ts']);
    expect(missing.join('\n')).toMatch(/Property 'title' is missing/);
  });
});
