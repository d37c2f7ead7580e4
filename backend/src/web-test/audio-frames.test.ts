import { describe, expect, it } from 'vitest';
import { FrameQueue, Reframer, type FrameSink } from './audio-frames.js';

function frame(n: number): Uint8Array {
  return new Uint8Array(640).fill(n);
}

class FakeSocket implements FrameSink {
  open = true;
  bufferedAmount = 0;
  readonly sent: number[] = [];
  send(f: Uint8Array): void {
    this.sent.push(f[0]!);
    this.bufferedAmount += f.byteLength;
  }
}

describe('FrameQueue: bounded audio between the bridge and a socket', () => {
  it('passes frames straight through while the socket keeps up', () => {
    const queue = new FrameQueue(5, 3200);
    const socket = new FakeSocket();
    for (let i = 0; i < 100; i++) {
      queue.push(frame(i % 256));
      queue.drain(socket);
      socket.bufferedAmount = 0;
    }
    expect(socket.sent).toHaveLength(100);
    expect(queue.dropped).toBe(0);
    expect(queue.peak).toBe(1);
  });

  it('drops the oldest audio when the socket falls behind, and never holds more than its capacity', () => {
    const queue = new FrameQueue(5, 6400);
    const socket = new FakeSocket();
    socket.bufferedAmount = 10_000; // the socket is stuck
    for (let i = 0; i < 1000; i++) {
      queue.push(frame(i % 256));
      queue.drain(socket);
      expect(queue.length).toBeLessThanOrEqual(5);
    }
    expect(queue.dropped).toBe(995);
    expect(socket.sent).toEqual([]);

    // The socket recovers: the newest five frames go, in order.
    socket.bufferedAmount = 0;
    queue.drain(socket);
    expect(socket.sent).toEqual([227, 228, 229, 230, 231]);
    expect(queue.length).toBe(0);
  });

  it('holds frames while the socket is not open yet and sends them in order once it is', () => {
    const queue = new FrameQueue(10, 6400);
    const socket = new FakeSocket();
    socket.open = false;
    for (let i = 0; i < 4; i++) queue.push(frame(i));
    queue.drain(socket);
    expect(socket.sent).toEqual([]);
    socket.open = true;
    queue.drain(socket);
    expect(socket.sent).toEqual([0, 1, 2, 3]);
  });

  it('stops sending once the socket has its limit buffered', () => {
    const queue = new FrameQueue(10, 1280);
    const socket = new FakeSocket();
    for (let i = 0; i < 6; i++) queue.push(frame(i));
    queue.drain(socket);
    expect(socket.sent).toEqual([0, 1, 2]);
    expect(queue.length).toBe(3);
  });
});

describe('Reframer: any chunk size in, 20 ms frames out', () => {
  it('cuts a stream of odd-sized chunks into 640-byte frames without losing or reordering a byte', () => {
    const reframer = new Reframer();
    const stream = new Uint8Array(640 * 7 + 100).map((_, i) => i % 251);
    const out: Uint8Array[] = [];
    let at = 0;
    for (const size of [1, 639, 1000, 333, 2, 1707, 100, 10_000]) {
      out.push(...reframer.push(stream.subarray(at, Math.min(stream.length, at + size))));
      at = Math.min(stream.length, at + size);
    }
    expect(out.map((f) => f.byteLength)).toEqual(Array(7).fill(640));
    const joined = new Uint8Array(640 * 7);
    out.forEach((f, i) => joined.set(f, i * 640));
    expect(joined).toEqual(stream.subarray(0, 640 * 7));
    // The last 100 bytes wait for the rest of their frame.
    expect(reframer.push(new Uint8Array(540))).toHaveLength(1);
  });
});
