// Today's appointments (R-D6, R-B10): a booking the assistant makes appears here as it lands.
// Pending bookings can be confirmed or cancelled from the desk.
import { useState } from 'react';
import type { Booking, BookingPatch } from '@voxanne/protocol';
import { useBookings, useStores } from '../../stores/context';
import { BOOKING_STATUS_LABEL } from '../../format/labels';
import { formatTime } from '../../format/time';
import { errorMessage } from '../../format/errors';
import { useAsyncAction } from '../../hooks/use-async-action';
import { Panel } from '../ui/Panel';
import { CallLink } from '../ui/CallLink';
import { Dialog } from '../ui/Dialog';
import { EmptyState, Loading } from '../ui/Loading';
import { ErrorNotice } from '../ui/ErrorNotice';

function BookingRow(props: { booking: Booking }) {
  const { booking } = props;
  const stores = useStores();
  const [confirmingCancel, setConfirmingCancel] = useState(false);
  const action = useAsyncAction((patch: BookingPatch) => stores.bookings.getState().update(booking.id, patch));
  return (
    <li className={`booking booking--${booking.status}`}>
      <span className="booking__time">{formatTime(booking.startsAt)}</span>
      <div className="booking__who">
        <span className="booking__patient">{booking.patientName}</span>
        <span className="booking__service">{booking.service ?? 'Appointment'}</span>
      </div>
      <span className={`badge badge--booking-${booking.status}`}>
        <span className="badge__mark" aria-hidden="true" />
        {BOOKING_STATUS_LABEL[booking.status]}
      </span>
      <div className="booking__actions">
        {booking.callId && (
          <CallLink callId={booking.callId} className="button button--small button--quiet" label={`Call that booked ${booking.patientName}`}>
            Call
          </CallLink>
        )}
        {booking.status === 'pending' && (
          <button
            type="button"
            className="button button--small"
            disabled={action.pending}
            aria-label={`Confirm ${booking.patientName} at ${formatTime(booking.startsAt)}`}
            onClick={() => void action.run({ action: 'confirm' })}
          >
            Confirm
          </button>
        )}
        {booking.status !== 'cancelled' && (
          <button
            type="button"
            className="button button--small button--quiet"
            disabled={action.pending}
            aria-label={`Cancel ${booking.patientName} at ${formatTime(booking.startsAt)}`}
            onClick={() => setConfirmingCancel(true)}
          >
            Cancel
          </button>
        )}
      </div>
      {action.pending && <span className="booking__progress" role="status">Saving…</span>}
      {action.error && (
        <p className="field__error booking__error" role="alert">
          {errorMessage(action.error)}
        </p>
      )}
      {confirmingCancel && (
        <Dialog
          title="Cancel this appointment?"
          onCancel={() => setConfirmingCancel(false)}
          actions={
            <>
              <button type="button" className="button" onClick={() => setConfirmingCancel(false)}>
                Keep it
              </button>
              <button
                type="button"
                className="button button--danger"
                onClick={() => {
                  setConfirmingCancel(false);
                  void action.run({ action: 'cancel' });
                }}
              >
                Cancel appointment
              </button>
            </>
          }
        >
          <p>
            {booking.patientName} at {formatTime(booking.startsAt)}. The patient is not told automatically.
          </p>
        </Dialog>
      )}
    </li>
  );
}

export function TodaysBookings() {
  const today = useBookings((s) => s.today);
  const load = useBookings((s) => s.load);
  const stores = useStores();
  return (
    <Panel
      title="Today's bookings"
      className="panel--bookings"
      busy={load.status === 'loading'}
      actions={<span className="panel__count">{today.filter((b) => b.status !== 'cancelled').length} booked</span>}
    >
      {load.status === 'error' && (
        <ErrorNotice error={load.error} onRetry={() => void stores.bookings.getState().loadToday()} />
      )}
      {today.length > 0 ? (
        <ul className="bookings">
          {today.map((booking) => (
            <BookingRow key={booking.id} booking={booking} />
          ))}
        </ul>
      ) : load.status === 'ready' ? (
        <EmptyState title="No bookings today yet">Appointments the assistant books appear here.</EmptyState>
      ) : (
        load.status !== 'error' && <Loading label="Loading today's bookings…" rows={3} />
      )}
    </Panel>
  );
}
