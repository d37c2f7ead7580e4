// What one console may see of a live event. Front-desk staff get a caller's number in call summaries
// (call started, status, ended) as its last three digits, exactly as the call list shows it to them;
// the call's own page, whose opening is logged, has the whole number. Callback tasks (attention
// needed, work items) keep it: ringing the caller back is the desk's job. Administrators see all.
import type { LiveEvent, Role } from '@voxanne/protocol';
import { maskCaller } from '../calls/call-mapping.js';

/** The event as `role` receives it: the same object when nothing in it is withheld from them. */
export function eventForRole(role: Role, event: LiveEvent): LiveEvent {
  if (role === 'admin') return event;
  switch (event.kind) {
    case 'call.started':
    case 'call.ended':
      return { ...event, data: { ...event.data, call: maskCaller(event.data.call) } };
    case 'call.status':
      return { ...event, data: { ...event.data, call: maskCaller(event.data.call) } };
    default:
      return event;
  }
}
