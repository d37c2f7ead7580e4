// Opening hours per weekday: closed, or up to four open–close intervals (split shifts, lunch).
import { WEEKDAYS, type ClinicHours, type Weekday } from '@voxanne/protocol';
import type { FieldErrors } from '../../stores/personality-draft';

const DAY_LABEL: Record<Weekday, string> = {
  monday: 'Monday',
  tuesday: 'Tuesday',
  wednesday: 'Wednesday',
  thursday: 'Thursday',
  friday: 'Friday',
  saturday: 'Saturday',
  sunday: 'Sunday',
};
const MAX_INTERVALS = 4;

export function HoursEditor(props: {
  hours: ClinicHours;
  errors: FieldErrors;
  disabled?: boolean;
  onChange: (hours: ClinicHours) => void;
}) {
  const { hours, errors, disabled, onChange } = props;
  const setDay = (day: Weekday, intervals: ClinicHours[Weekday]) => onChange({ ...hours, [day]: intervals });
  return (
    <fieldset className="hours" disabled={disabled}>
      <legend className="field__label">Opening hours</legend>
      <p className="field__hint">The assistant books appointments only inside these hours.</p>
      {WEEKDAYS.map((day) => {
        const intervals = hours[day];
        const open = intervals.length > 0;
        return (
          <div key={day} className="hours__day" role="group" aria-label={DAY_LABEL[day]}>
            <div className="hours__day-head">
              <span className="hours__day-name">{DAY_LABEL[day]}</span>
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={open}
                  onChange={(e) => setDay(day, e.target.checked ? [{ open: '09:00', close: '17:00' }] : [])}
                />
                Open
              </label>
            </div>
            {open ? (
              <ul className="hours__intervals">
                {intervals.map((interval, index) => {
                  const error =
                    errors[`hours.${day}.${index}`] ?? errors[`hours.${day}.${index}.open`] ?? errors[`hours.${day}.${index}.close`];
                  const errorId = `hours-${day}-${index}-error`;
                  const update = (patch: Partial<typeof interval>) =>
                    setDay(
                      day,
                      intervals.map((iv, i) => (i === index ? { ...iv, ...patch } : iv)),
                    );
                  return (
                    <li key={index} className="hours__interval">
                      <label>
                        <span className="visually-hidden">{DAY_LABEL[day]} opens at</span>
                        <input
                          type="time"
                          className="field__input field__input--time"
                          value={interval.open}
                          aria-invalid={error ? true : undefined}
                          aria-describedby={error ? errorId : undefined}
                          onChange={(e) => update({ open: e.target.value })}
                        />
                      </label>
                      <span aria-hidden="true">to</span>
                      <label>
                        <span className="visually-hidden">{DAY_LABEL[day]} closes at</span>
                        <input
                          type="time"
                          className="field__input field__input--time"
                          value={interval.close}
                          aria-invalid={error ? true : undefined}
                          aria-describedby={error ? errorId : undefined}
                          onChange={(e) => update({ close: e.target.value })}
                        />
                      </label>
                      {intervals.length > 1 && (
                        <button
                          type="button"
                          className="button button--small button--quiet"
                          aria-label={`Remove ${DAY_LABEL[day]} hours ${interval.open} to ${interval.close}`}
                          onClick={() =>
                            setDay(
                              day,
                              intervals.filter((_, i) => i !== index),
                            )
                          }
                        >
                          Remove
                        </button>
                      )}
                      {error && (
                        <span id={errorId} className="field__error">
                          {error}
                        </span>
                      )}
                    </li>
                  );
                })}
                {intervals.length < MAX_INTERVALS && (
                  <li>
                    <button
                      type="button"
                      className="button button--small button--quiet"
                      aria-label={`Add hours on ${DAY_LABEL[day]}`}
                      onClick={() => {
                        const last = intervals[intervals.length - 1];
                        setDay(day, [...intervals, { open: last?.close ?? '09:00', close: '18:00' }]);
                      }}
                    >
                      Add hours
                    </button>
                  </li>
                )}
              </ul>
            ) : (
              <p className="hours__closed">Closed</p>
            )}
          </div>
        );
      })}
    </fieldset>
  );
}
