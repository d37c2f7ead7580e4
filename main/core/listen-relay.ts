// Listen-in relay: plays a live call at the desk. The renderer hands over a MessagePort for a call;
// main asks the backend for a listen ticket (POST /api/calls/:id/listen), opens `/ws/listen` the way
// the web-test relay opens its socket (access token as a subprotocol, nothing in the URL), presents
// the ticket, and passes the call's 20 ms PCM16 frames on to the port. The ticket and the token stay
// here; the voice platform's listen URL never leaves the backend.
//
// Late audio is worse than a gap: frames wait in a bounded queue (LISTEN_QUEUE_FRAMES) while the
// port's transport is backed up (the browser host's loopback socket says how much it holds), and the
// oldest are dropped, counted, past it. A listener ends when the backend says so (the call ended, the
// session ended), when its socket drops, when the renderer says Stop or closes the port, and when the
// console signs out or locks (closeAll).
import {
  LISTEN_AUDIO,
  LISTEN_SOCKET_PATH,
  LIVE_PROTOCOL,
  AUTH_SUBPROTOCOL_PREFIX,
  ListenPortClientMessageSchema,
  ListenServerMessageSchema,
  type ListenPortOffer,
  type ListenPortServerMessage,
} from '@voxanne/protocol';
import type { Logger } from './logger.js';
import type { ClientSocket, SocketFactory } from './ports.js';
import { UserMessage } from './user-messages.js';
import { OneSession, audioSocketCloseReason, audioSocketUrl, type RelayPort } from './web-test-relay.js';

/** 500 ms of the call may wait for a backed-up port; older frames are dropped past it. */
export const LISTEN_QUEUE_FRAMES = 25;
/** The port counts as backed up once this much (100 ms) sits in its transport. */
export const LISTEN_PORT_BACKLOG_BYTES = 5 * LISTEN_AUDIO.frameBytes;

export type ListenPort = RelayPort<ListenPortServerMessage>;

export interface ListenRelayOptions {
  backendUrl: string;
  openSocket: SocketFactory;
  accessToken: () => Promise<string>;
  /** Asks the backend for a single-use ticket to hear this call (throws a user-facing error when refused). */
  requestTicket: (callId: string) => Promise<string>;
  logger: Logger;
}

export class ListenRelay {
  private readonly sessions = new OneSession<ListenSession>();
  private readonly url: string;

  constructor(private readonly o: ListenRelayOptions) {
    this.url = audioSocketUrl(LISTEN_SOCKET_PATH, o.backendUrl);
  }

  /** One call at a time: listening to another call stops the first. */
  attach(port: ListenPort, offer: ListenPortOffer): void {
    const logger = this.o.logger.child({ relayId: offer.relayId });
    const session = this.sessions.start((ended) => new ListenSession(port, logger, ended));
    void session.open(this.url, offer.callId, this.o);
  }

  closeAll(reason: string | null): void {
    this.sessions.closeAll(reason);
  }

  get activeCount(): number {
    return this.sessions.activeCount;
  }
}

class ListenSession {
  private socket: ClientSocket | null = null;
  private ended = false;
  private readonly queue: Uint8Array[] = [];
  private dropped = 0;

  constructor(
    private readonly port: ListenPort,
    private readonly logger: Logger,
    private readonly onEnded: () => void,
  ) {
    port.onMessage((data) => this.fromRenderer(data));
    port.onClose(() => this.end(null, false));
  }

  async open(url: string, callId: string, o: ListenRelayOptions): Promise<void> {
    this.status('connecting', null);
    let ticket: string;
    let token: string;
    try {
      ticket = await o.requestTicket(callId);
      token = await o.accessToken();
    } catch (err) {
      this.end((err as Error).message || UserMessage.notSignedIn);
      return;
    }
    if (this.ended) return;
    this.socket = o.openSocket(url, [LIVE_PROTOCOL, AUTH_SUBPROTOCOL_PREFIX + token], {
      onOpen: () => {
        this.socket?.send(JSON.stringify({ type: 'listen', ticket }));
        this.status('open', null);
      },
      onMessage: (data, isBinary) => this.fromBackend(data, isBinary),
      onActivity: () => {},
      onClose: (closed) => {
        this.socket = null;
        if (this.ended) return;
        this.logger.info('listen socket closed', {
          code: closed.code,
          handshakeStatus: closed.handshakeStatus,
          droppedFrames: this.dropped,
        });
        this.end(audioSocketCloseReason(closed, { lostContact: UserMessage.listenLostContact, tooMany: UserMessage.tooManyListening }));
      },
    });
  }

  end(reason: string | null, closePort = true): void {
    if (this.ended) return;
    this.ended = true;
    this.socket?.close(1000, 'stopped');
    this.socket = null;
    this.queue.length = 0;
    if (closePort) {
      this.status('closed', reason);
      this.port.close();
    }
    this.onEnded();
  }

  /** Stop is the only thing the renderer may say; audio only ever flows the other way. */
  private fromRenderer(data: unknown): void {
    if (ListenPortClientMessageSchema.safeParse(data).success) this.end(null);
    else this.logger.warn('listen port message does not match the contract; ignored');
  }

  private fromBackend(data: string | Uint8Array, isBinary: boolean): void {
    if (this.ended) return;
    if (isBinary && data instanceof Uint8Array) {
      if (data.byteLength !== LISTEN_AUDIO.frameBytes) {
        this.logger.warn('listen frame of the wrong size; dropped', { bytes: data.byteLength });
        return;
      }
      // A copy: the socket's view may share its buffer with other bytes, and a port clones the whole buffer.
      this.queue.push(data.slice());
      if (this.queue.length > LISTEN_QUEUE_FRAMES) {
        this.queue.shift();
        this.dropped++;
      }
      this.pump();
      return;
    }
    let parsed;
    try {
      parsed = ListenServerMessageSchema.safeParse(JSON.parse(String(data)));
    } catch {
      this.logger.warn('listen server sent something that is not JSON; ignored');
      return;
    }
    if (!parsed.success) {
      this.logger.warn('listen server message does not match the contract; ignored');
      return;
    }
    this.port.post(parsed.data);
    // The backend's `ended` carries the reason in words; the port closes right behind it.
    if (parsed.data.type === 'ended') this.end(null);
  }

  /** Hands queued frames on while the port keeps up; each new frame tries again, so no timer is needed. */
  private pump(): void {
    while (this.queue.length > 0 && (this.port.backlogBytes ?? 0) < LISTEN_PORT_BACKLOG_BYTES) this.port.post(this.queue.shift()!);
  }

  private status(status: 'connecting' | 'open' | 'closed', reason: string | null): void {
    this.port.post({ type: 'relay-status', status, reason, droppedFrames: this.dropped });
  }
}
