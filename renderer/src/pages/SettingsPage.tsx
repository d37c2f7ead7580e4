// This PC's preferences: notifications, quiet hours, auto-lock, start at login, theme, the signed-in
// staff member's own number for taking calls, and what version is running. Every change is saved
// at once and says so. Administrators also see the clinic's work-queue, records and privacy settings
// (saved with their own buttons: they apply to every console of the clinic).
import { useId } from 'react';
import type { DesktopSettings } from '@voxanne/protocol';
import { useSettings, useStores } from '../stores/context';
import { errorMessage } from '../format/errors';
import { PageHeader } from '../components/ui/PageHeader';
import { Panel } from '../components/ui/Panel';
import { ErrorNotice } from '../components/ui/ErrorNotice';
import { Loading } from '../components/ui/Loading';
import { FollowUpSettings } from '../components/work-queue/FollowUpSettings';
import { ClinicCompliance } from '../components/settings/ClinicCompliance';
import { TransferNumberPanel } from '../components/calls/TransferNumberPanel';
import { useCanConfigure } from '../hooks/use-can-configure';

const AUTO_LOCK_CHOICES = [0, 5, 10, 15, 30, 60, 120];

function Toggle(props: { label: string; hint?: string; checked: boolean; disabled?: boolean; onChange: (checked: boolean) => void }) {
  const id = useId();
  return (
    <div className="toggle">
      <input
        id={id}
        type="checkbox"
        checked={props.checked}
        disabled={props.disabled}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
        onChange={(e) => props.onChange(e.target.checked)}
      />
      <label htmlFor={id}>{props.label}</label>
      {props.hint && (
        <p id={`${id}-hint`} className="field__hint">
          {props.hint}
        </p>
      )}
    </div>
  );
}

function SettingsForm(props: { settings: DesktopSettings; startAtLoginSupported: boolean }) {
  const stores = useStores();
  const { settings } = props;
  const save = (next: DesktopSettings) => void stores.settings.getState().save(next);
  const notify = (patch: Partial<DesktopSettings['notifications']>) =>
    save({ ...settings, notifications: { ...settings.notifications, ...patch } });
  const quiet = (patch: Partial<DesktopSettings['quietHours']>) => save({ ...settings, quietHours: { ...settings.quietHours, ...patch } });
  return (
    <>
      <Panel title="Notifications">
        <fieldset className="fieldset">
          <legend className="visually-hidden">Notify me when</legend>
          <Toggle label="A call comes in" checked={settings.notifications.inboundCall} onChange={(v) => notify({ inboundCall: v })} />
          <Toggle
            label="The assistant books an appointment"
            checked={settings.notifications.booking}
            onChange={(v) => notify({ booking: v })}
          />
          <Toggle
            label="A call needs the front desk"
            hint="Transfer requests, callers asking for staff, tasks the assistant could not finish."
            checked={settings.notifications.attention}
            onChange={(v) => notify({ attention: v })}
          />
          <Toggle label="Pause all notifications" checked={settings.notifications.paused} onChange={(v) => notify({ paused: v })} />
        </fieldset>
        <fieldset className="fieldset">
          <legend className="field__label">Quiet hours</legend>
          <Toggle
            label="No notifications during quiet hours"
            checked={settings.quietHours.enabled}
            onChange={(v) => quiet({ enabled: v })}
          />
          <div className="form__grid form__grid--tight">
            <div className="field">
              <label className="field__label" htmlFor="quiet-start">
                From
              </label>
              <input
                id="quiet-start"
                type="time"
                className="field__input field__input--time"
                value={settings.quietHours.start}
                disabled={!settings.quietHours.enabled}
                onChange={(e) => {
                  if (e.target.value) quiet({ start: e.target.value });
                }}
              />
            </div>
            <div className="field">
              <label className="field__label" htmlFor="quiet-end">
                Until
              </label>
              <input
                id="quiet-end"
                type="time"
                className="field__input field__input--time"
                value={settings.quietHours.end}
                disabled={!settings.quietHours.enabled}
                onChange={(e) => {
                  if (e.target.value) quiet({ end: e.target.value });
                }}
              />
            </div>
          </div>
        </fieldset>
      </Panel>
      <Panel title="This computer">
        <div className="field">
          <label className="field__label" htmlFor="auto-lock">
            Lock the console when idle
          </label>
          <select
            id="auto-lock"
            className="field__input field__input--short"
            value={settings.autoLockMinutes}
            onChange={(e) => save({ ...settings, autoLockMinutes: Number(e.target.value) })}
          >
            {[...new Set([...AUTO_LOCK_CHOICES, settings.autoLockMinutes])]
              .sort((a, b) => a - b)
              .map((m) => (
                <option key={m} value={m}>
                  {m === 0 ? 'Never' : `After ${m} minutes`}
                </option>
              ))}
          </select>
        </div>
        <Toggle
          label="Start Voxanne Desk when I sign in to this computer"
          hint={props.startAtLoginSupported ? undefined : 'Not available here (only in the installed desktop app).'}
          checked={settings.startAtLogin}
          disabled={!props.startAtLoginSupported}
          onChange={(v) => save({ ...settings, startAtLogin: v })}
        />
        <fieldset className="fieldset">
          <legend className="field__label">Appearance</legend>
          <div className="radio-row">
            {(['system', 'light', 'dark'] as const).map((theme) => (
              <label key={theme} className="radio">
                <input
                  type="radio"
                  name="theme"
                  value={theme}
                  checked={settings.theme === theme}
                  onChange={() => save({ ...settings, theme })}
                />
                {theme === 'system' ? 'Match this computer' : theme === 'light' ? 'Light' : 'Dark'}
              </label>
            ))}
          </div>
        </fieldset>
      </Panel>
    </>
  );
}

export function SettingsPage() {
  const stores = useStores();
  const settings = useSettings((s) => s.settings);
  const appInfo = useSettings((s) => s.appInfo);
  const load = useSettings((s) => s.load);
  const saving = useSettings((s) => s.saving);
  const saveError = useSettings((s) => s.saveError);
  const isAdmin = useCanConfigure();
  return (
    <div className="page page--settings">
      <PageHeader title="Settings">
        <p className="form__state" role="status">
          {saving ? 'Saving…' : saveError ? '' : settings ? 'Changes are saved automatically.' : ''}
        </p>
      </PageHeader>
      {saveError && (
        <p className="notice notice--error" role="alert">
          That change was not saved. {errorMessage(saveError)}
        </p>
      )}
      {load.status === 'error' && (
        <ErrorNotice
          title="Settings could not be loaded."
          error={load.error}
          onRetry={() => void stores.settings.getState().loadSettings()}
        />
      )}
      {settings ? (
        <SettingsForm settings={settings} startAtLoginSupported={appInfo?.startAtLoginSupported ?? false} />
      ) : (
        load.status !== 'error' && <Loading label="Loading settings…" rows={4} />
      )}
      <TransferNumberPanel />
      {isAdmin && <FollowUpSettings />}
      {isAdmin && <ClinicCompliance />}
      <Panel title="About">
        {appInfo ? (
          <dl className="facts">
            <div>
              <dt>Version</dt>
              <dd>{appInfo.version}</dd>
            </div>
            <div>
              <dt>Running as</dt>
              <dd>
                {appInfo.host === 'electron' ? 'Desktop app' : 'Browser host'} on {appInfo.platform}
              </dd>
            </div>
            <div>
              <dt>Server</dt>
              <dd className="facts__mono">{appInfo.backendUrl}</dd>
            </div>
            <div>
              <dt>Sign-in storage</dt>
              <dd>{appInfo.tokenStorage.persistent ? 'Kept securely in the system keychain' : 'This session only'}</dd>
            </div>
          </dl>
        ) : (
          load.status !== 'error' && <Loading label="Loading…" />
        )}
        {appInfo?.tokenStorage.warning && <p className="notice notice--warning">{appInfo.tokenStorage.warning}</p>}
      </Panel>
    </div>
  );
}
