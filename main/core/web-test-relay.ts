// Web-test relay: carries 20 ms PCM16 frames between a renderer MessagePort and the backend's
// `/ws/web-test`. The renderer never sees the access token: main opens the socket with it, and
// answers the backend's `token-expiring` with a fresh one (a test lasts no longer than its sign-in).
//
// Buffers are bounded both ways that matter. Microphone frames wait at most MAX_QUEUED_FRAMES while
// the socket opens, and are dropped (oldest first, counted) when the socket's send buffer is over
// MAX_BUFFERED_BYTES: late speech is worse than a gap. The assistant's audio goes straight on to the
// port, whose reader (the renderer's jitter buffer) bounds its own queue.
import {
  AUTH_SUBPROTOCOL_PREFIX,
  LIVE_PROTOCOL,
  LiveCloseCode,
  WEB_TEST_AUDIO,
  WEB_TEST_SOCKET_PATH,
  WebTestPortClientMessageSchema,
  WebTestServerMessageSchema,
  type WebTestPortOffer,
  type WebTestPortServerMessage,
} from '@voxanne/protocol';
import type { Logger } from './logger.js';
import type { ClientSocket, SocketClosed, SocketFactory } from './ports.js';
import { UserMessage } from './user-messages.js';

/** 200 ms of microphone audio may wait for the socket to open. */
export const MAX_QUEUED_FRAMES = 10;
/** 500 ms of audio in the socket's send buffer; past that, frames are dropped. */
export const MAX_BUFFERED_BYTES = 25 * WEB_TEST_AUDIO.frameBytes;

/** One end of a MessageChannel, whatever the host (Electron MessagePortMain, DOM or Node MessagePort, a loopback socket). */
export interface RelayPort<M = WebTestPortServerMessage> {
  post(message: Uint8Array | M): void;
  onMessage(listener: (data: unknown) => void): void;
  onClose(listener: () => void): void;
  close(): void;
  /**
   * Bytes posted that the other end has not taken yet, where the transport can tell (the browser
   * host's loopback socket). Absent for a MessagePort, which never pushes back.
   */
  readonly backlogBytes?: number;
}

/** The backend socket URL for a path (`/ws/web-test`, `/ws/listen`): ws: or wss: as the backend is http: or https:. */
export function audioSocketUrl(path: string, backendUrl: string): string {
  const url = new URL(path, backendUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/** What the person at the desk reads when an audio socket closed: null for a normal close. */
export function audioSocketCloseReason(closed: SocketClosed, words: { lostContact: string; tooMany: string }): string | null {
  if (closed.code === 1000) return null;
  if (closed.handshakeStatus === 401) return UserMessage.sessionExpired;
  if (closed.code === LiveCloseCode.tooManyConnections) return words.tooMany;
  return closed.wasOpen ? words.lostContact : UserMessage.serverUnreachable;
}

export interface WebTestRelayOptions {
  backendUrl: string;
  openSocket: SocketFactory;
  accessToken: () => Promise<string>;
  logger: Logger;
}

/** At most one relay session of a kind at a time: starting another ends the one before. */
export class OneSession<S extends { end(reason: string | null): void }> {
  private active: S | null = null;

  /** `create` gets the callback its session calls once it has ended. */
  start(create: (ended: () => void) => S): S {
    this.active?.end(null);
    const session = create(() => {
      if (this.active === session) this.active = null;
    });
    this.active = session;
    return session;
  }

  closeAll(reason: string | null): void {
    this.active?.end(reason);
    this.active = null;
  }

  get activeCount(): number {
    return this.active ? 1 : 0;
  }
}

export class WebTestRelay {
  private readonly sessions = new OneSession<RelaySession>();
  private readonly url: string;

  constructor(private readonly o: WebTestRelayOptions) {
    this.url = audioSocketUrl(WEB_TEST_SOCKET_PATH, o.backendUrl);
  }

  /** One web test at a time: a new port ends the previous relay. */
  attach(port: RelayPort, offer: WebTestPortOffer): void {
    const logger = this.o.logger.child({ relayId: offer.relayId });
    const session = this.sessions.start((ended) => new RelaySession(port, offer.relayId, logger, ended));
    void session.open(this.url, this.o);
  }

  closeAll(reason: string | null): void {
    this.sessions.closeAll(reason);
  }

  get activeCount(): number {
    return this.sessions.activeCount;
  }
}

class RelaySession {
  private socket: ClientSocket | null = null;
  private open_ = false;
  private ended = false;
  private queued: Uint8Array[] = [];
  /** Control messages sent before the socket opened (a `start` right after handing over the port). */
  private queuedControl: string[] = [];
  private dropped = 0;
  private accessToken: (() => Promise<string>) | null = null;

  constructor(
    private readonly port: RelayPort,
    readonly relayId: string,
    private readonly logger: Logger,
    private readonly onEnded: () => void,
  ) {
    port.onMessage((data) => this.fromRenderer(data));
    port.onClose(() => this.end(null, false));
  }

  async open(url: string, o: WebTestRelayOptions): Promise<void> {
    this.status('connecting', null);
    this.accessToken = o.accessToken;
    let token: string;
    try {
      token = await o.accessToken();
    } catch (err) {
      this.end((err as Error).message || UserMessage.notSignedIn);
      return;
    }
    if (this.ended) return;
    this.socket = o.openSocket(url, [LIVE_PROTOCOL, AUTH_SUBPROTOCOL_PREFIX + token], {
      onOpen: () => {
        this.open_ = true;
        this.status('open', null);
        for (const control of this.queuedControl) this.socket?.send(control);
        for (const frame of this.queued) this.sendFrame(frame);
        this.queued = [];
        this.queuedControl = [];
      },
      onMessage: (data, isBinary) => this.fromBackend(data, isBinary),
      onActivity: () => {},
      onClose: (closed) => this.backendClosed(closed),
    });
  }

  end(reason: string | null, closePort = true): void {
    if (this.ended) return;
    this.ended = true;
    this.socket?.close(1000, 'relay ended');
    this.socket = null;
    this.queued = [];
    this.queuedControl = [];
    if (closePort) {
      this.status('closed', reason);
      this.port.close();
    }
    this.onEnded();
  }

  private fromRenderer(data: unknown): void {
    if (this.ended) return;
    const frame = data instanceof ArrayBuffer ? new Uint8Array(data) : data instanceof Uint8Array ? data : null;
    if (frame) {
      if (frame.byteLength !== WEB_TEST_AUDIO.frameBytes) {
        this.logger.warn('web-test frame of the wrong size; dropped', { bytes: frame.byteLength });
        return;
      }
      if (!this.open_) {
        this.queued.push(frame);
        if (this.queued.length > MAX_QUEUED_FRAMES) {
          this.queued.shift();
          this.dropped++;
        }
        return;
      }
      this.sendFrame(frame);
      return;
    }
    const control = WebTestPortClientMessageSchema.safeParse(data);
    if (!control.success) {
      this.logger.warn('web-test port message does not match the contract; ignored');
      return;
    }
    const text = JSON.stringify(control.data);
    if (this.open_) this.socket?.send(text);
    else if (this.queuedControl.length < MAX_QUEUED_FRAMES) this.queuedControl.push(text);
  }

  private sendFrame(frame: Uint8Array): void {
    if (!this.socket || this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.dropped++;
      return;
    }
    this.socket.send(frame);
  }

  private fromBackend(data: string | Uint8Array, isBinary: boolean): void {
    if (this.ended) return;
    if (isBinary && data instanceof Uint8Array) {
      this.port.post(data);
      return;
    }
    try {
      const parsed = WebTestServerMessageSchema.safeParse(JSON.parse(String(data)));
      if (!parsed.success) this.logger.warn('web-test server message does not match the contract; ignored');
      else if (parsed.data.type === 'token-expiring') void this.reauthenticate();
      else this.port.post(parsed.data);
    } catch {
      this.logger.warn('web-test server sent something that is not JSON; ignored');
    }
  }

  /** The backend ends the test when its access token expires: hand it a fresh one (refreshed if need be). */
  private async reauthenticate(): Promise<void> {
    try {
      const accessToken = await this.accessToken!();
      if (!this.ended && this.open_) this.socket?.send(JSON.stringify({ type: 'auth', accessToken }));
    } catch (err) {
      // Signed out or unreachable: the backend ends the test at expiry and says why.
      this.logger.info('web-test re-authentication failed', { error: (err as Error).message });
    }
  }

  private backendClosed(closed: SocketClosed): void {
    this.socket = null;
    if (this.ended) return;
    const reason = audioSocketCloseReason(closed, { lostContact: UserMessage.webTestLostContact, tooMany: UserMessage.tooManyWebTests });
    this.logger.info('web-test socket closed', { code: closed.code, handshakeStatus: closed.handshakeStatus, droppedFrames: this.dropped });
    this.end(reason);
  }

  private status(status: 'connecting' | 'open' | 'closed', reason: string | null): void {
    this.port.post({ type: 'relay-status', status, reason, droppedFrames: this.dropped });
  }
}
