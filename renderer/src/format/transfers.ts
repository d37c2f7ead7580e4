// How a call's transfer to the front desk reads on screen. The destination is masked as notifications
// mask numbers (country code and last two digits): the card says where the call went, not the number.
import { maskPhoneNumber, type CallTransfer, type CallTransferFailure } from '@voxanne/protocol';

const FAILURE_WORDS: Record<CallTransferFailure, string> = {
  no_number: 'no transfer number is set',
  no_control: 'the voice platform could not put the call through',
  refused: 'the voice platform did not accept the transfer',
  no_answer: 'nobody answered',
  busy: 'the line was busy',
  caller_hung_up: 'the caller hung up',
  failed: 'the transfer failed',
};

export function transferLabel(transfer: CallTransfer): string {
  const to = transfer.destination ? maskPhoneNumber(transfer.destination) : 'the front desk';
  switch (transfer.status) {
    case 'requested':
      return `Putting through to ${to}`;
    case 'forwarding':
      return `Transferring to ${to}`;
    case 'connected':
      return `Transferred to ${to}`;
    case 'failed':
      return `${transfer.destination ? `Transfer to ${to} failed` : 'Not transferred'}: ${FAILURE_WORDS[transfer.failure ?? 'failed']}`;
  }
}
