// RedisEventBus: live-event fan-out across backend instances over Redis pub/sub (REDIS_URL).
//
// Every instance publishes the events it commits on one channel and hears everyone's. Its own events
// go to its own hub directly, not through Redis, so while Redis is down each instance keeps serving
// its own consoles; what other instances wrote in the meantime is read from the log when Redis is
// back (onMissedEvents) or by the hub's periodic catch-up. Pub/sub is fire-and-forget, which is fine:
// the log is the source of truth and the hub fills any hole from it.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { LiveEventSchema } from '@voxanne/protocol';
import type { Logger } from '../logging/logger.js';
import type { LiveEvent } from '@voxanne/protocol';
import type { LiveEventBus, LiveEventListener } from './event-bus.js';

const WireMessageSchema = z.union([
  z.object({ from: z.string(), events: z.array(LiveEventSchema).min(1) }),
  /** "My publishes may have failed while Redis was away": everyone re-reads the log. */
  z.object({ from: z.string(), missed: z.literal(true) }),
]);
type WireMessage = z.infer<typeof WireMessageSchema>;

const CHECK_TIMEOUT_MS = 500;

export class RedisEventBus implements LiveEventBus {
  private readonly instanceId = randomUUID();
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly listeners = new Set<LiveEventListener>();
  private readonly missedListeners = new Set<() => void>();
  /** Each connection has been ready once and lost since: its next `ready` is a recovery. */
  private readonly lost = { publisher: false, subscriber: false };
  private readonly everReady = { publisher: false, subscriber: false };
  /** An error was logged since the last `ready`: one warning per outage, not one per retry. */
  private readonly errorReported = { publisher: false, subscriber: false };
  private closed = false;

  constructor(
    url: string,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {
    // Reconnect forever, at most 2 s apart. The publisher fails fast while disconnected instead of
    // queueing commands in memory: a dropped publish is recovered from the log.
    const retryStrategy = (attempt: number) => Math.min(attempt * 100, 2_000);
    this.publisher = new Redis(url, { retryStrategy, enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: false });
    this.subscriber = new Redis(url, { retryStrategy, maxRetriesPerRequest: null, lazyConnect: false });

    for (const [role, client] of [
      ['publisher', this.publisher],
      ['subscriber', this.subscriber],
    ] as const) {
      client.on('error', (error: Error) => {
        if (this.errorReported[role] || this.closed) return;
        this.errorReported[role] = true;
        logger.warn({ err: error, role }, 'Redis live bus error');
      });
      client.on('close', () => {
        if (this.closed || !this.everReady[role] || this.lost[role]) return;
        this.lost[role] = true;
        logger.warn({ role }, 'Redis live bus disconnected: events stay on this instance until it is back');
      });
      client.on('ready', () => {
        // A connection that was lost, or that failed before it ever came up (Redis down at start).
        const recovered = this.lost[role] || this.errorReported[role];
        this.everReady[role] = true;
        this.lost[role] = false;
        this.errorReported[role] = false;
        if (!recovered) return;
        logger.info({ role }, 'Redis live bus reconnected');
        if (role === 'subscriber') this.emitMissed();
        else void this.send({ from: this.instanceId, missed: true });
      });
    }

    this.subscriber.on('message', (channel: string, payload: string) => {
      if (channel === this.channel) this.onWireMessage(payload);
    });
    this.subscriber.subscribe(this.channel).catch((error: unknown) => {
      if (!this.closed) logger.warn({ err: error }, 'Redis live bus could not subscribe yet (retried on reconnect)');
    });
  }

  publish(events: LiveEvent[]): void {
    if (events.length === 0 || this.closed) return;
    for (const listener of this.listeners) listener(events);
    void this.send({ from: this.instanceId, events });
  }

  subscribe(listener: LiveEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onMissedEvents(listener: () => void): () => void {
    this.missedListeners.add(listener);
    return () => this.missedListeners.delete(listener);
  }

  async check(): Promise<Record<string, unknown>> {
    if (this.subscriber.status !== 'ready') throw new Error(`Redis subscriber is ${this.subscriber.status}`);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.publisher.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`Redis did not answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    return { kind: 'redis' };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.missedListeners.clear();
    // quit() waits for a connection that may never come back; disconnect() does not.
    await Promise.all(
      [this.publisher, this.subscriber].map((client) =>
        client.status === 'ready'
          ? client.quit().then(
              () => undefined,
              () => client.disconnect(),
            )
          : client.disconnect(),
      ),
    );
  }

  private async send(message: WireMessage): Promise<void> {
    try {
      await this.publisher.publish(this.channel, JSON.stringify(message));
    } catch (error) {
      // Redis is away: local consoles already have these events; the others catch up from the log.
      if (!this.closed) this.logger.debug({ err: error }, 'Redis live bus publish dropped');
    }
  }

  private onWireMessage(payload: string): void {
    let message: WireMessage;
    try {
      const parsed = WireMessageSchema.safeParse(JSON.parse(payload));
      if (!parsed.success) throw parsed.error;
      message = parsed.data;
    } catch (error) {
      this.logger.warn({ err: error }, 'Redis live bus message ignored: not a live event message');
      return;
    }
    if (message.from === this.instanceId) return;
    if ('missed' in message) return this.emitMissed();
    for (const listener of this.listeners) listener(message.events);
  }

  private emitMissed(): void {
    for (const listener of this.missedListeners) listener();
  }
}
