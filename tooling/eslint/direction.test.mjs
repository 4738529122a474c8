// The dependency direction is a lint rule, not a convention: these lint real files in real
// packages with their own configurations and expect the rule to hold or fire.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ESLint } from 'eslint';
import { afterEach, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const probes = [];

async function lintProbe(packageDir, source) {
  const dir = mkdtempSync(join(root, packageDir, 'src', 'direction-probe-'));
  probes.push(dir);
  const file = join(dir, 'probe.ts');
  writeFileSync(file, source);
  const eslint = new ESLint({ cwd: join(root, packageDir) });
  const [result] = await eslint.lintFiles([file]);
  return result.messages.map((message) => message.ruleId);
}

afterEach(() => {
  for (const dir of probes.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const forbidden = [
  "import { Injectable } from '@nestjs/common';\nexport const probe = Injectable;\n",
  "import { Grant } from '@tether/persistence';\nexport const probe = Grant;\n",
  'export const probe = process.env.HOME;\n',
];

// Type-aware linting starts a TypeScript project per package: slow on a busy machine.
describe('dependency direction', { timeout: 120_000 }, () => {
  for (const packageDir of ['packages/provider-sdk', 'packages/core', 'providers/twitter']) {
    it(`${packageDir} may not import NestJS or persistence, nor read process.env`, async () => {
      for (const source of forbidden) {
        const rules = await lintProbe(packageDir, source);
        expect(rules, source).toEqual(
          expect.arrayContaining([expect.stringMatching(/^no-restricted-(imports|properties)$/)]),
        );
      }
    });
  }

  it('the host may', async () => {
    const rules = await lintProbe('apps/server', forbidden.join(''));
    expect(rules.filter((rule) => rule?.startsWith('no-restricted'))).toEqual([]);
  });
});
