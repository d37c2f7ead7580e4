// Browser entry for the renderer benches (bench/renderer-*.ts): installs a FakeBridge as
// `window.voxanne` before the built console starts, with the scenario the bench asks for, and
// exposes a small driver on `window.voxanneBench` (stream live transcripts, read figures).
// Bundled by esbuild into an IIFE and injected with Playwright's addInitScript.
import type { CallSummary, LiveEvent } from '@voxanne/protocol';
import { FakeBridge } from './fake-bridge';
import { event, makeBooking, makeCall, makeLiveCall, makeStats } from './factories';

export interface BenchScenario {
  /** Calls of history the fake backend holds. */
  historyCalls: number;
  /** Calls in progress at start. */
  liveCalls: number;
}

declare global {
  interface Window {
    voxanneBenchScenario?: BenchScenario;
    voxanneBench?: ReturnType<typeof createDriver>;
  }
}

const NAMES = ['Maria Lopez', 'Tom Baker', 'Priya Shah', 'Omar Haddad', 'Lena Park', 'Sam Ortiz', 'Ruth Gold', 'Nina Holt'];
const SENTENCES = [
  'Hi, I would like to book a check-up for next week if possible.',
  'Of course. I have Tuesday at ten or Wednesday at two, which suits you better?',
  'Wednesday at two would be perfect, thank you.',
  'Could you confirm your date of birth for me, please?',
  'It is the fourteenth of March, nineteen eighty-two.',
  'Thank you. You are booked in for Wednesday at two with Dr Patel.',
];

function history(count: number): CallSummary[] {
  const newest = Date.now() - 60_000;
  return Array.from({ length: count }, (_, i) => {
    const at = new Date(newest - i * 7 * 60_000).toISOString();
    const outcome = (['answered', 'booked', 'missed', 'transferred'] as const)[i % 4];
    return makeCall({
      patientName: i % 3 === 0 ? null : `${NAMES[i % NAMES.length]} ${i}`,
      callerNumber: '+442079460958',
      startedAt: at,
      createdAt: at,
      endedAt: new Date(Date.parse(at) + 150_000).toISOString(),
      durationSeconds: 90 + (i % 200),
      outcome,
      summary: `Call ${i}: ${SENTENCES[i % SENTENCES.length]}`,
    });
  });
}

function createDriver(fake: FakeBridge, liveIds: string[]) {
  let timer: number | null = null;
  let tick = 0;
  return {
    /** Pushes one coalesced batch per `intervalMs` (the contract's limit is one per 500 ms): every live call gets a transcript update. */
    startStreaming(intervalMs = 500) {
      timer = window.setInterval(() => {
        tick += 1;
        const events: LiveEvent[] = liveIds.map((callId, i) => {
          const speaker = (tick + i) % 2 === 0 ? 'caller' : 'assistant';
          const sentence = SENTENCES[(tick + i) % SENTENCES.length] ?? '';
          // Three partials growing, then the final: what the main process's coalescing hands over.
          const final = tick % 4 === 0;
          const text = final ? sentence : sentence.slice(0, Math.ceil((sentence.length * (tick % 4)) / 4));
          return event('call.transcript', {
            callId,
            speaker,
            transcriptType: final ? 'final' : 'partial',
            text,
            segmentId: final ? crypto.randomUUID() : null,
          });
        });
        if (tick % 4 === 0)
          events.push(event('stats.changed', { stats: makeStats({ callsToday: 100 + tick, inProgress: liveIds.length }) }));
        fake.pushEvents(events);
      }, intervalMs);
    },
    stopStreaming() {
      if (timer !== null) window.clearInterval(timer);
      timer = null;
    },
    violations: () => [...fake.violations],
  };
}

performance.mark('voxanne-bench:fake-start');
const scenario = window.voxanneBenchScenario ?? { historyCalls: 10_000, liveCalls: 0 };
const live = Array.from({ length: scenario.liveCalls }, (_, i) =>
  makeLiveCall({
    patientName: `${NAMES[i % NAMES.length]} ${i}`,
    startedAt: new Date(Date.now() - i * 20_000).toISOString(),
    createdAt: new Date(Date.now() - i * 1000).toISOString(),
  }),
);
const fake = new FakeBridge({
  calls: [...live, ...history(scenario.historyCalls)],
  bookings: Array.from({ length: 12 }, (_, i) =>
    makeBooking({
      patientName: NAMES[i % NAMES.length],
      createdAt: new Date().toISOString(),
      startsAt: new Date(Date.now() + (i + 1) * 3_600_000).toISOString(),
      endsAt: new Date(Date.now() + (i + 1.5) * 3_600_000).toISOString(),
    }),
  ),
  stats: makeStats({ date: new Date().toISOString().slice(0, 10), timeZone: 'UTC', callsToday: 120, inProgress: scenario.liveCalls }),
});
window.voxanne = fake.bridge;
window.voxanneBench = createDriver(
  fake,
  live.map((c) => c.id),
);
// The fake stands in for the main process and the backend; benches report its set-up separately.
performance.measure('voxanne-bench:fake-setup', 'voxanne-bench:fake-start');
