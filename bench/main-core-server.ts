// The live server for bench/main-core.ts, in its own process so its memory is not counted against
// the core's: the fake backend from main/test (real HTTP + ws), streaming a realistic mix of live
// events at a fixed rate once the bench says go.
//   parent → {type:'go', events, rate}     child → {type:'ready', url} | {type:'done', sent}
import { randomUUID } from 'node:crypto';
import type { NewLiveEvent } from '@voxanne/protocol';
import { FakeBackend } from '../main/test/fake-backend.js';
import { callSummary, transcript } from '../main/test/live-events.js';

const backend = await new FakeBackend({ retainEvents: 1_000 }).start();
const send = (message: unknown) => process.send?.(message);

/** One call's worth of events: start, status, a stream of partials and finals, end; some bookings. */
function* calls(): Generator<NewLiveEvent> {
  for (let n = 0; ; n++) {
    const call = callSummary({ direction: n % 5 === 0 ? 'outbound' : 'inbound', isTest: n % 5 === 0 });
    yield { kind: 'call.started', data: { call } };
    yield { kind: 'call.status', data: { callId: call.id, status: 'in-progress', call: { ...call, status: 'in-progress' } } };
    for (let turn = 0; turn < 6; turn++) {
      const speaker = turn % 2 === 0 ? 'assistant' : 'caller';
      for (let word = 1; word <= 6; word++) yield transcript(call.id, speaker, 'partial', 'word '.repeat(word).trim());
      yield transcript(call.id, speaker, 'final', 'A complete sentence from the conversation.');
    }
    if (n % 3 === 0) {
      const now = new Date().toISOString();
      yield {
        kind: 'booking.created',
        data: {
          booking: {
            id: randomUUID(),
            callId: call.id,
            patientName: 'Ada Lovelace',
            patientPhone: '+442079460958',
            service: 'Check-up',
            startsAt: now,
            endsAt: now,
            status: 'confirmed',
            notes: null,
            reviewReason: null,
            createdAt: now,
            updatedAt: now,
          },
        },
      };
    }
    yield { kind: 'call.ended', data: { call: { ...call, status: 'ended', endedAt: new Date().toISOString() } } };
  }
}

process.on('message', (message: { type: string; events: number; rate: number }) => {
  if (message.type !== 'go') return;
  const source = calls();
  const perTick = Math.max(1, Math.round(message.rate / 100));
  let sent = 0;
  const started = Date.now();
  const tick = () => {
    // Catch up to the schedule, so timer jitter does not lower the rate.
    const due = Math.min(message.events, Math.floor(((Date.now() - started) / 1000) * message.rate) + perTick);
    while (sent < due) {
      backend.emit(source.next().value as NewLiveEvent);
      sent++;
    }
    if (sent >= message.events) {
      clearInterval(timer);
      send({ type: 'done', sent });
    }
  };
  const timer = setInterval(tick, 10);
});

send({ type: 'ready', url: backend.url });
