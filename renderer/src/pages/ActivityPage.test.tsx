import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { axeViolations, renderConsole } from '../../test/render-console';
import { FakeBridge } from '../../test/fake-bridge';
import { adminUser, at, frontDeskUser, makeAuditEntry, makeStaffMember } from '../../test/factories';

const desk = makeStaffMember({ id: frontDeskUser.id, email: frontDeskUser.email, name: frontDeskUser.name, role: 'front_desk' });
const byDesk = { staffId: frontDeskUser.id, name: frontDeskUser.name, role: 'front_desk' as const };

function adminFake(world: ConstructorParameters<typeof FakeBridge>[0] = {}) {
  return new FakeBridge({ user: adminUser, staff: [makeStaffMember(), desk], ...world });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Activity', () => {
  it('is in the navigation for administrators', async () => {
    renderConsole({ fake: adminFake(), route: { page: 'dashboard' } });
    expect(await screen.findByRole('link', { name: 'Activity' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Staff' })).toBeInTheDocument();
  });

  it('hides Activity and Staff from front desk, even when the address names them', async () => {
    const { fake } = renderConsole({ route: { page: 'activity' } });
    expect(await screen.findByRole('heading', { level: 1, name: 'Dashboard' })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Activity' })).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Staff' })).not.toBeInTheDocument();
    expect(fake.requestsOn('auditLog.list')).toEqual([]);
  });

  it('shows loading, then the log newest first with who, what, on what and from where', async () => {
    const callId = '11111111-2222-4333-8444-555555555555';
    const fake = adminFake({
      auditLog: [
        makeAuditEntry({ at: at('10:05'), actor: byDesk, action: 'call.viewed', objectType: 'call', objectId: callId }),
        makeAuditEntry({
          at: at('09:00'),
          action: 'settings.updated',
          objectType: 'clinic',
          objectId: null,
          details: { changes: { storeTranscriptsRedacted: { before: false, after: true } } },
        }),
        makeAuditEntry({ actor: null, action: 'retention.purged', objectType: null, objectId: null, address: null }),
      ],
    });
    const held = fake.hold('auditLog.list');
    renderConsole({ fake, route: { page: 'activity' } });
    expect(await screen.findByText('Loading activity…')).toBeInTheDocument();
    held.release();
    const table = await screen.findByRole('table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toHaveTextContent(frontDeskUser.name);
    expect(rows[0]).toHaveTextContent('Opened a call');
    expect(rows[0]).toHaveTextContent(`call ${callId}`);
    expect(rows[1]).toHaveTextContent('Changed clinic settings');
    expect(rows[1]).toHaveTextContent('"storeTranscriptsRedacted":{"before":false,"after":true}');
    expect(rows[2]).toHaveTextContent('System');
    expect(rows[2]).toHaveTextContent('Deleted expired data');
  });

  it('filters by person, action, call id and days, and clears', async () => {
    const callId = '11111111-2222-4333-8444-555555555555';
    const fake = adminFake({
      auditLog: [
        makeAuditEntry({ at: at('10:05'), actor: byDesk, action: 'call.viewed', objectId: callId }),
        makeAuditEntry({ actor: byDesk, action: 'auth.signed_in', objectType: 'staff', objectId: frontDeskUser.id }),
        makeAuditEntry({ action: 'call.viewed' }),
      ],
    });
    renderConsole({ fake, route: { page: 'activity' } });
    await screen.findByRole('table');
    await userEvent.selectOptions(screen.getByLabelText('Person'), `${frontDeskUser.name} (${frontDeskUser.email})`);
    await userEvent.selectOptions(screen.getByLabelText('Action'), 'Opened a call');
    await userEvent.type(screen.getByLabelText('Call, patient or staff id'), ` ${callId} `);
    await userEvent.type(screen.getByLabelText('From'), '2026-03-01');
    await userEvent.type(screen.getByLabelText('To'), '2026-03-02');
    await userEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() => expect(within(screen.getByRole('table')).getAllByRole('row')).toHaveLength(2));
    expect(fake.requestsOn('auditLog.list').at(-1)).toEqual({
      actor: frontDeskUser.id,
      action: 'call.viewed',
      objectId: callId,
      from: '2026-03-01',
      to: '2026-03-02',
      limit: 50,
    });
    await userEvent.click(screen.getByRole('button', { name: 'Clear' }));
    await waitFor(() => expect(within(screen.getByRole('table')).getAllByRole('row')).toHaveLength(4));
    expect(fake.requestsOn('auditLog.list').at(-1)).toEqual({ limit: 50 });
  });

  it('loads more with the cursor until there is no more', async () => {
    const entries = Array.from({ length: 60 }, (_, i) => makeAuditEntry({ objectId: `object-${i}` }));
    const { fake } = renderConsole({ fake: adminFake({ auditLog: entries }), route: { page: 'activity' } });
    await screen.findByRole('table');
    expect(within(screen.getByRole('table')).getAllByRole('row')).toHaveLength(51);
    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(within(screen.getByRole('table')).getAllByRole('row')).toHaveLength(61));
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
    expect(fake.requestsOn('auditLog.list').at(-1)).toEqual({ limit: 50, cursor: '50' });
  });

  it('shows an error with a retry when the log cannot be loaded', async () => {
    const fake = adminFake({ auditLog: [makeAuditEntry()] });
    fake.fail('auditLog.list', { code: 'unavailable', message: "Can't reach the Voxanne server." });
    renderConsole({ fake, route: { page: 'activity' } });
    await userEvent.click(await screen.findByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('table')).toBeInTheDocument();
  });

  it('exports the filtered log as a CSV download', async () => {
    const created: Blob[] = [];
    const clicked: string[] = [];
    URL.createObjectURL = (blob: Blob) => {
      created.push(blob);
      return 'blob:activity';
    };
    URL.revokeObjectURL = () => undefined;
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(`${this.download} ${this.href}`);
    });
    const fake = adminFake({ auditLog: [makeAuditEntry()], auditCsv: 'at,actor,action\n2026-03-02T09:00:00Z,Sam Okafor,call.viewed\n' });
    renderConsole({ fake, route: { page: 'activity' } });
    await screen.findByRole('table');
    await userEvent.selectOptions(screen.getByLabelText('Action'), 'Opened a call');
    await userEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    await userEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect(await screen.findByText('Saved activity-2026-03-02.csv.')).toBeInTheDocument();
    expect(fake.requestsOn('auditLog.exportCsv')).toEqual([{ action: 'call.viewed' }]);
    expect(clicked).toEqual(['activity-2026-03-02.csv blob:activity']);
    expect(await created[0]!.text()).toContain('Sam Okafor,call.viewed');
  });

  it('says why an export failed', async () => {
    const fake = adminFake();
    fake.fail('auditLog.exportCsv', { code: 'unavailable', message: "Can't reach the Voxanne server." });
    renderConsole({ fake, route: { page: 'activity' } });
    await screen.findByText('No activity matches');
    await userEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect(await screen.findByRole('alert')).toHaveTextContent("The export failed. Can't reach the Voxanne server.");
  });

  it('has no accessibility violations', async () => {
    renderConsole({ fake: adminFake({ auditLog: [makeAuditEntry()] }), route: { page: 'activity' } });
    await screen.findByRole('table');
    expect(await axeViolations()).toEqual([]);
  });
});
