// Routes HTTP upgrade requests (WebSockets) by path to the socket endpoint that owns it.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export class UpgradeRouter {
  private readonly handlers = new Map<string, UpgradeHandler>();

  register(path: string, handler: UpgradeHandler): void {
    this.handlers.set(path, handler);
  }

  handle = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const handler = this.handlers.get(path);
    if (!handler) return rejectUpgrade(socket, 404, 'Not Found');
    handler(req, socket, head);
  };
}

/** Answers an upgrade with a plain HTTP error and closes the socket (no WebSocket is created). */
export function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
    );
  }
  socket.destroy();
}
