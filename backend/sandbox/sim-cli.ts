// `npm run sim -- --calls N --rate R [--script NAME] [--dialect NAME] [--to +44...] [--data-dir DIR]`
// Drives simulated patients through a running backend's telephony sandbox: finds the sandbox's
// control API and key in the backend's DATA_DIR (sandbox-control.json), places N inbound calls at R
// calls per second, waits for them to finish and prints what came of them, and in which of Vapi's
// message shapes they came.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { SCRIPT_NAMES } from './conversation-scripts.js';
import { controlClient, readSandboxControl } from './control-file.js';
import { WEBHOOK_DIALECTS } from './webhook-dialects.js';

const USAGE = `Usage: npm run sim -- --calls N --rate R [--script ${SCRIPT_NAMES.join('|')}] [--dialect ${WEBHOOK_DIALECTS.join('|')}] [--to +E164] [--data-dir DIR]
  --calls     how many calls to place (default 10)
  --rate      calls started per second (default 1)
  --script    play this conversation for every call (default: a realistic mix)
  --dialect   send every call's webhooks in this of Vapi's message shapes (default: a mix of current and older ones)
  --to        the clinic number to ring (default: any connected number)
  --data-dir  the running backend's DATA_DIR (default: DATA_DIR, else .data as npm run backend uses;
              for npm start: "$PWD/.data/backend")
`;

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function fail(message: string): never {
  process.stderr.write(`sim: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      calls: { type: 'string', default: '10' },
      rate: { type: 'string', default: '1' },
      script: { type: 'string' },
      dialect: { type: 'string' },
      to: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    out(USAGE);
    return;
  }
  const calls = Number(values.calls);
  const rate = Number(values.rate);
  if (!Number.isInteger(calls) || calls < 1 || calls > 100_000)
    fail(`--calls must be a whole number from 1 (got ${values.calls})\n${USAGE}`);
  if (!Number.isFinite(rate) || rate <= 0 || rate > 1000) fail(`--rate must be a number above 0 (got ${values.rate})\n${USAGE}`);
  if (values.script && !(SCRIPT_NAMES as readonly string[]).includes(values.script))
    fail(`--script must be one of ${SCRIPT_NAMES.join(', ')}`);
  if (values.dialect && !(WEBHOOK_DIALECTS as readonly string[]).includes(values.dialect))
    fail(`--dialect must be one of ${WEBHOOK_DIALECTS.join(', ')}`);

  // The CLI's own setting (the backend reads its configuration through config.ts, not this).
  const dataDir = path.resolve(values['data-dir'] ?? process.env.DATA_DIR ?? '.data');
  let control: ReturnType<typeof readSandboxControl>;
  try {
    control = readSandboxControl(dataDir);
  } catch (error) {
    fail((error as Error).message);
  }
  const controlUrl = control.url;
  const send = controlClient(control);
  // A file left by a backend that crashed names a sandbox that is gone.
  const request = (route: string, init?: RequestInit) =>
    send(route, init).catch(() => fail(`the sandbox at ${controlUrl} does not answer: is the backend still running?`));

  out(`Placing ${calls} call(s) at ${rate}/s through ${controlUrl}`);
  const placed: string[] = [];
  const started = Date.now();
  let refused = 0;
  for (let i = 0; i < calls; i++) {
    const due = started + (i * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    const res = await request('/inbound-calls', {
      method: 'POST',
      body: JSON.stringify({
        ...(values.script ? { script: values.script } : {}),
        ...(values.dialect ? { dialect: values.dialect } : {}),
        ...(values.to ? { to: values.to } : {}),
      }),
    });
    const body = (await res.json()) as { callId?: string; error?: string };
    if (res.status !== 202 || !body.callId) {
      refused++;
      if (refused === 1) process.stderr.write(`sim: call refused: ${body.error ?? res.status}\n`);
      continue;
    }
    placed.push(body.callId);
  }
  const placing = (Date.now() - started) / 1000;
  out(`Placed ${placed.length} in ${placing.toFixed(1)} s${refused ? `, ${refused} refused` : ''}; waiting for them to end…`);

  const results = new Map<string, { script: string; dialect?: string; endedReason?: string; status: string }>();
  const deadline = Date.now() + 30 * 60_000;
  while (results.size < placed.length && Date.now() < deadline) {
    for (const id of placed) {
      if (results.has(id)) continue;
      const call = (await (await request(`/calls/${id}`)).json()) as {
        script: string;
        dialect?: string;
        status: string;
        endedReason?: string;
        finished: boolean;
      };
      if (call.finished) results.set(id, call);
    }
    if (results.size < placed.length) await sleep(500);
  }

  const byScript = new Map<string, { count: number; reasons: Map<string, number> }>();
  for (const call of results.values()) {
    const entry = byScript.get(call.script) ?? { count: 0, reasons: new Map<string, number>() };
    entry.count++;
    const reason = call.endedReason ?? 'unknown';
    entry.reasons.set(reason, (entry.reasons.get(reason) ?? 0) + 1);
    byScript.set(call.script, entry);
  }
  out(`\nFinished ${results.size}/${placed.length} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const [script, entry] of [...byScript].sort()) {
    const reasons = [...entry.reasons].map(([r, n]) => `${r} ×${n}`).join(', ');
    out(`  ${script.padEnd(20)} ${String(entry.count).padStart(5)}  (${reasons})`);
  }
  const dialects = new Map<string, number>();
  for (const call of results.values()) dialects.set(call.dialect ?? 'current', (dialects.get(call.dialect ?? 'current') ?? 0) + 1);
  out(`  Vapi message shapes: ${[...dialects].map(([d, n]) => `${d} ×${n}`).join(', ')}`);
  if (results.size < placed.length) fail(`${placed.length - results.size} call(s) did not finish`);
}

await main();
