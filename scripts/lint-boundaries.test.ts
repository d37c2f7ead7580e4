// The import boundaries are rules, not goodwill: each one is shown to fire on an import that crosses
// it, and to stay quiet on the imports the part is allowed.
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { importBoundaries } from '../eslint-boundaries.js';

const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfigFile: true,
  overrideConfig: [
    { files: ['**/*.{ts,tsx}'], languageOptions: { parser: tseslint.parser }, plugins: { '@typescript-eslint': tseslint.plugin } },
    ...importBoundaries,
  ],
});

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('import boundaries', () => {
  it.each([
    ['main/core/session.ts', "import { app } from 'electron';"],
    ['main/core/session.ts', "import Store from 'electron-store';"],
    ['main/core/session.ts', "import { createTray } from '../electron/tray.js';"],
    ['main/core/session.ts', "import { startHost } from '../host/browser-host.js';"],
    ['renderer/src/App.tsx', "import { startBackend } from '../../backend/src/backend.js';"],
    ['renderer/src/App.tsx', "import { DesktopCore } from '../../main/core/desktop-core.js';"],
    ['renderer/src/App.tsx', "import type { Backend } from '@voxanne/backend';"],
    ['protocol/src/calls.ts', "import express from 'express';"],
    ['protocol/src/calls.ts', "import fs from 'node:fs';"],
    ['backend/src/telephony/telephony.ts', "import { startSandbox } from '../../sandbox/sandbox.js';"],
    ['backend/src/http/app.ts', "import { startSandbox } from '../../sandbox/sandbox.js';"],
    ['backend/src/telephony/call-ingestion.ts', "const sandbox = await import('../../sandbox/sandbox.js');"],
    ['backend/src/bookings/booking-service.ts', "import { parseBody } from '../http/validate.js';"],
    ['backend/src/telephony/assistant-tools.ts', "import { httpStatusOf } from '../http/errors.js';"],
  ])('refuses in %s: %s', async (file, code) => {
    expect(await problems(file, code)).not.toEqual([]);
  });

  it.each([
    ['main/core/session.ts', "import { z } from 'zod';\nimport { backoff } from './backoff.js';"],
    ['renderer/src/App.tsx', "import { CallSummarySchema } from '@voxanne/protocol';\nimport { Shell } from './components/Shell.js';"],
    [
      'protocol/src/calls.ts',
      "import { z } from 'zod';\nimport { parsePhoneNumber } from 'libphonenumber-js/max';\nimport { IdSchema } from './common.js';",
    ],
    ['backend/src/bookings/booking-routes.ts', "import { parseBody } from '../http/validate.js';"],
    ['backend/src/bookings/booking-service.ts', "import { AppError } from '../errors.js';"],
    ['backend/src/backend.ts', "const { startSandbox } = await import('../sandbox/sandbox.js');"],
    ['backend/sandbox/sandbox.ts', "import { AppError } from '../src/errors.js';"],
    ['backend/src/backend.ts', "import type { Sandbox } from '../sandbox/sandbox.js';"],
  ])('allows in %s: %s', async (file, code) => {
    expect(await problems(file, code)).toEqual([]);
  });
});
