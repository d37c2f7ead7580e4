// A work item's history as the front desk reads it: one plain sentence per entry, naming who did it.
import {
  WORK_ITEM_KIND_LABELS,
  WORK_ITEM_OUTCOME_LABELS,
  type WorkItemAction,
  type WorkItemHistoryEntry,
  type WorkItemKind,
} from '@voxanne/protocol';

// The backend words a finished call-back "The assistant’s call-back: no answer."; the line already
// says it is the call-back, so only how it ended is kept (any other wording is shown whole).
const CALLBACK_ENDING = /^The assistant['’]s call-back: (.+?)\.?$/;

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const quoted = (words: string | null) => (words ? `: “${words}”` : '');

const SENTENCES: Record<WorkItemAction, (entry: WorkItemHistoryEntry, kind: WorkItemKind) => string> = {
  created: (_, kind) => `Created: ${lowerFirst(WORK_ITEM_KIND_LABELS[kind])}`,
  joined: () => 'The caller called again',
  // The only note a claim carries is that it was taken over from a colleague.
  claimed: (e) => `${e.staff?.name ?? 'Someone'} ${e.note ? 'took it over' : 'claimed it'}`,
  released: (e) => `${e.staff?.name ?? 'Someone'} released it`,
  done: (e) => {
    const closed = `Closed${e.staff ? ` by ${e.staff.name}` : ''}`;
    const how = e.outcome ? `${closed}: ${lowerFirst(WORK_ITEM_OUTCOME_LABELS[e.outcome])}` : closed;
    return e.note ? `${how}. Note: ${e.note}` : how;
  },
  reopened: (e) => `${e.staff?.name ?? 'Someone'} reopened it`,
  callback_started: (e) => (e.staff ? `${e.staff.name} asked the assistant to call back` : 'The assistant called back'),
  callback_ended: (e) => (e.note ? `Call-back ended: ${CALLBACK_ENDING.exec(e.note)?.[1] ?? e.note}` : 'Call-back ended'),
  texted: (e) => `Texted the caller${quoted(e.note)}`,
  // The backend's note already reads "No text sent: not a mobile number."
  text_not_sent: (e) => e.note ?? 'No text sent',
  text_reply: (e) => `The caller replied${quoted(e.note)}`,
};

export function describeHistoryEntry(entry: WorkItemHistoryEntry, kind: WorkItemKind): string {
  return SENTENCES[entry.action](entry, kind);
}
