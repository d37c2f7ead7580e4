// Today's bookings: what was booked today (a booking the assistant makes appears here
// as it lands; the same set the "Bookings" stat counts), or who is coming in today. Pending
// bookings can be confirmed or cancelled from the desk.
import { useState } from 'react';
import type { Booking, BookingPatch } from '@voxanne/protocol';
import { useBookings, useStores } from '../../stores/context';
import { BOOKING_STATUS_LABEL } from '../../format/labels';
import { formatDateTime, formatDay, formatTime } from '../../format/time';
import { errorMessage } from '../../format/errors';
import { useAsyncAction } from '../../hooks/use-async-action';
import { Panel } from '../ui/Panel';
import { CallLink } from '../ui/CallLink';
import { Dialog } from '../ui/Dialog';
import { EmptyState, Loading } from '../ui/Loading';
import { ErrorNotice } from '../ui/ErrorNotice';

type View = 'booked' | 'appointments';

function BookingRow(props: { booking: Booking; showDay: boolean }) {
  const { booking } = props;
  const time = formatTime(booking.startsAt);
  const when = props.showDay ? formatDateTime(booking.startsAt) : time;
  const stores = useStores();
  const [confirmingCancel, setConfirmingCancel] = useState(false);
  const action = useAsyncAction((patch: BookingPatch) => stores.bookings.getState().update(booking.id, patch));
  return (
    <li className={`booking booking--${booking.status}`}>
      <span className="booking__when">
        {props.showDay && <span className="booking__day">{formatDay(booking.startsAt)}</span>}
        <span className="booking__time">{time}</span>
      </span>
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
          <CallLink
            callId={booking.callId}
            className="button button--small button--quiet"
            label={`Call that booked ${booking.patientName}`}
          >
            Call
          </CallLink>
        )}
        {booking.status === 'pending' && (
          <button
            type="button"
            className="button button--small"
            disabled={action.pending}
            aria-label={`Confirm ${booking.patientName} at ${when}`}
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
            aria-label={`Cancel ${booking.patientName} at ${when}`}
            onClick={() => setConfirmingCancel(true)}
          >
            Cancel
          </button>
        )}
      </div>
      {action.pending && (
        <span className="booking__progress" role="status">
          Saving…
        </span>
      )}
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
            {booking.patientName} at {when}. The patient is not told automatically.
          </p>
        </Dialog>
      )}
    </li>
  );
}

export function TodaysBookings() {
  const [view, setView] = useState<View>('booked');
  const bookedToday = useBookings((s) => s.bookedToday);
  const appointments = useBookings((s) => s.today);
  const load = useBookings((s) => s.load);
  const stores = useStores();
  const shown = view === 'booked' ? bookedToday : appointments;
  const live = (list: Booking[]) => list.filter((b) => b.status !== 'cancelled').length;
  return (
    <Panel
      title="Today's bookings"
      className="panel--bookings"
      busy={load.status === 'loading'}
      actions={
        <div className="segmented" role="group" aria-label="Show">
          <button type="button" className="segmented__option" aria-pressed={view === 'booked'} onClick={() => setView('booked')}>
            Booked today <span className="segmented__count">{live(bookedToday)}</span>
          </button>
          <button
            type="button"
            className="segmented__option"
            aria-pressed={view === 'appointments'}
            onClick={() => setView('appointments')}
          >
            Appointments <span className="segmented__count">{live(appointments)}</span>
          </button>
        </div>
      }
    >
      {load.status === 'error' && <ErrorNotice error={load.error} onRetry={() => void stores.bookings.getState().loadToday()} />}
      {shown.length > 0 ? (
        <ul className="bookings" aria-label={view === 'booked' ? 'Booked today' : 'Appointments today'}>
          {shown.map((booking) => (
            <BookingRow key={booking.id} booking={booking} showDay={view === 'booked'} />
          ))}
        </ul>
      ) : load.status === 'ready' ? (
        <EmptyState title={view === 'booked' ? 'No bookings made today yet' : 'No appointments today'}>
          {view === 'booked' ? 'Appointments the assistant books appear here as they are made.' : 'Nobody is booked in for today.'}
        </EmptyState>
      ) : (
        load.status !== 'error' && <Loading label="Loading today's bookings…" rows={3} />
      )}
    </Panel>
  );
}
