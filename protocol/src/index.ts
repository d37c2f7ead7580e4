// @voxanne/protocol: the contracts shared by backend, main and renderer. One definition, no copies.
export * from './common.js';
export * from './phone.js';
export * from './auth.js';
export * from './calls.js';
export * from './bookings.js';
export * from './stats.js';
export * from './agent.js';
export * from './telephony.js';
export * from './knowledge.js';
export * from './web-test.js';
export * from './work-items.js';
export * from './events.js';
export * from './live-socket.js';
export * from './ipc.js';
export * from './routes.js';
export * from './host-bridge.js';
