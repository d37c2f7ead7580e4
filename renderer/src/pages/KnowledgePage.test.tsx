import { describe, expect, it } from 'vitest';
import { fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { KNOWLEDGE_MAX_BYTES } from '@voxanne/protocol';
import { axeViolations, renderConsole } from '../../test/render-console';
import { FakeBridge } from '../../test/fake-bridge';
import { adminUser, makeDocument } from '../../test/factories';
import { PROCESSING_POLL_MS } from './KnowledgePage';

const user = userEvent.setup({ applyAccept: false });
const fileInput = () => document.querySelector<HTMLInputElement>('input[type="file"]')!;
const documents = () => screen.getByRole('region', { name: 'Documents' });
/** Adding and deleting documents is an administrator's job; front desk sees the list only. */
const ADMIN = { user: adminUser };

describe('Knowledge base (an administrator)', () => {
  it('shows loading, then the documents with their status', async () => {
    const fake = new FakeBridge({
      ...ADMIN,
      knowledge: [
        makeDocument({ filename: 'price-list.pdf' }),
        makeDocument({
          filename: 'aftercare.md',
          mimeType: 'text/markdown',
          status: 'failed',
          statusMessage: 'The file has no readable text.',
        }),
      ],
    });
    const held = fake.hold('knowledge.list');
    renderConsole({ fake, route: { page: 'knowledge' } });
    expect(await screen.findByText('Loading documents…')).toBeInTheDocument();
    held.release();
    const row = (await screen.findByText('aftercare.md')).closest('tr')!;
    expect(within(row).getByText('Failed')).toBeInTheDocument();
    expect(within(row).getByText('The file has no readable text.')).toBeInTheDocument();
    expect(within(screen.getByText('price-list.pdf').closest('tr')!).getByText('Ready')).toBeInTheDocument();
  });

  it('invites the first upload when there are no documents', async () => {
    renderConsole({ world: ADMIN, route: { page: 'knowledge' } });
    expect(await screen.findByText('No documents yet')).toBeInTheDocument();
  });

  it('shows an error with a retry when the list cannot be loaded', async () => {
    const fake = new FakeBridge({ ...ADMIN, knowledge: [makeDocument({ filename: 'faq.txt', mimeType: 'text/plain' })] });
    fake.fail('knowledge.list', { code: 'unavailable', message: "Can't reach the Voxanne server." });
    renderConsole({ fake, route: { page: 'knowledge' } });
    await user.click(await screen.findByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('faq.txt')).toBeInTheDocument();
  });

  it('uploads a chosen file with progress, lists it as processing, and refreshes until it is ready', async () => {
    const { fake } = renderConsole({ world: ADMIN, route: { page: 'knowledge' } });
    await screen.findByText('No documents yet');
    const held = fake.hold('knowledge.upload');
    await user.upload(fileInput(), new File(['# Opening hours\nMon–Fri 8:30–17:30'], 'hours.md', { type: 'text/markdown' }));
    expect(await screen.findByLabelText('Uploading hours.md')).toBeInTheDocument();
    held.release();
    expect(await screen.findByText('Uploaded')).toBeInTheDocument();
    const row = within(documents()).getByText('hours.md').closest('tr')!;
    expect(within(row).getByText('Processing')).toBeInTheDocument();
    const sent = fake.requestsOn('knowledge.upload')[0] as { filename: string; data: Uint8Array };
    expect(sent.filename).toBe('hours.md');
    expect(new TextDecoder().decode(sent.data)).toContain('Opening hours');

    fake.world.knowledge = fake.world.knowledge.map((d) => ({ ...d, status: 'ready' as const }));
    // The page polls every PROCESSING_POLL_MS while a document is processing: wait for the poll, not a time.
    expect(await within(row).findByText('Ready', {}, { timeout: PROCESSING_POLL_MS * 10 })).toBeInTheDocument();
  }, 10_000);

  it('shows a document that fails while being read, with the reason, once the refresh brings it', async () => {
    const { fake } = renderConsole({ world: ADMIN, route: { page: 'knowledge' } });
    await screen.findByText('No documents yet');
    await user.upload(fileInput(), new File(['%PDF-1.4'], 'price-list.pdf', { type: 'application/pdf' }));
    const row = (await within(documents()).findByText('price-list.pdf')).closest('tr')!;
    expect(within(row).getByText('Processing')).toBeInTheDocument();

    const reason = 'This PDF could not be read: it expands to more than 64 MB.';
    fake.world.knowledge = fake.world.knowledge.map((d) => ({ ...d, status: 'failed' as const, statusMessage: reason }));
    expect(await within(row).findByText('Failed', {}, { timeout: PROCESSING_POLL_MS * 10 })).toBeInTheDocument();
    expect(within(row).getByText(reason)).toBeInTheDocument();
  }, 10_000);

  it('takes files dropped onto the area', async () => {
    const { fake } = renderConsole({ world: ADMIN, route: { page: 'knowledge' } });
    await screen.findByText('No documents yet');
    const zone = screen.getByText('Drop documents here').parentElement!;
    fireEvent.dragEnter(zone, { dataTransfer: { files: [] } });
    expect(zone).toHaveClass('dropzone--active');
    fireEvent.drop(zone, { dataTransfer: { files: [new File(['Prices'], 'prices.txt', { type: 'text/plain' })] } });
    expect(await within(documents()).findByText('prices.txt')).toBeInTheDocument();
    expect(fake.requestsOn('knowledge.upload')).toHaveLength(1);
  });

  it('refuses the wrong type and files over 10 MB before sending anything', async () => {
    const { fake } = renderConsole({ world: ADMIN, route: { page: 'knowledge' } });
    await screen.findByText('No documents yet');
    const big = new File(['x'], 'scan.pdf', { type: 'application/pdf' });
    Object.defineProperty(big, 'size', { value: KNOWLEDGE_MAX_BYTES + 1 });
    await user.upload(fileInput(), [new File(['x'], 'notes.docx'), big]);
    const alerts = await screen.findAllByRole('alert');
    expect(alerts.map((a) => a.textContent)).toEqual([
      'notes.docx is not a text, Markdown or PDF file (.txt, .md or .pdf).',
      'scan.pdf is larger than the 10 MB limit.',
    ]);
    expect(fake.requestsOn('knowledge.upload')).toEqual([]);
  });

  it('shows why an upload failed', async () => {
    const fake = new FakeBridge(ADMIN);
    fake.fail('knowledge.upload', { code: 'unsupported_media_type', message: 'That PDF is encrypted and cannot be read.' });
    renderConsole({ fake, route: { page: 'knowledge' } });
    await screen.findByText('No documents yet');
    await user.upload(fileInput(), new File(['%PDF'], 'locked.pdf', { type: 'application/pdf' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('That PDF is encrypted and cannot be read.');
    expect(screen.getByText('Failed')).toBeInTheDocument();
  });

  it('deletes a document only after confirmation', async () => {
    const { fake } = renderConsole({
      world: { ...ADMIN, knowledge: [makeDocument({ filename: 'old-prices.pdf' })] },
      route: { page: 'knowledge' },
    });
    await user.click(await screen.findByRole('button', { name: 'Delete old-prices.pdf' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete old-prices.pdf?' });
    await user.click(within(dialog).getByRole('button', { name: 'Keep it' }));
    expect(fake.requestsOn('knowledge.delete')).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Delete old-prices.pdf' }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Delete document' }));
    expect(await screen.findByText('No documents yet')).toBeInTheDocument();
    expect(fake.world.knowledge).toEqual([]);
  });

  it('has no accessibility violations', async () => {
    renderConsole({ world: { ...ADMIN, knowledge: [makeDocument()] }, route: { page: 'knowledge' } });
    await screen.findByText('price-list.pdf');
    expect(await axeViolations()).toEqual([]);
  });
});

describe('Knowledge base for front-desk staff: read-only', () => {
  it('lists the documents with no way to add or delete, and says who can', async () => {
    renderConsole({ world: { knowledge: [makeDocument({ filename: 'price-list.pdf' })] }, route: { page: 'knowledge' } });
    const row = (await screen.findByText('price-list.pdf')).closest('tr')!;
    expect(within(row).getByText('Ready')).toBeInTheDocument();
    expect(screen.getByRole('note')).toHaveTextContent(
      'Only a clinic administrator can change the knowledge base. Ask your clinic’s administrator if something here needs to change.',
    );
    expect(screen.queryByRole('region', { name: 'Add documents' })).not.toBeInTheDocument();
    expect(fileInput()).toBeNull();
    expect(screen.queryByRole('button', { name: /Delete/ })).not.toBeInTheDocument();
    expect(
      within(documents())
        .getAllByRole('columnheader')
        .map((h) => h.textContent),
    ).toEqual(['Document', 'Type', 'Size', 'Added', 'Status']);
  });

  it('does not invite front desk to upload when there are no documents', async () => {
    renderConsole({ route: { page: 'knowledge' } });
    expect(await screen.findByText('No documents yet')).toBeInTheDocument();
    expect(screen.getByText(/When an administrator adds documents/)).toBeInTheDocument();
  });

  it('has no accessibility violations', async () => {
    renderConsole({ world: { knowledge: [makeDocument()] }, route: { page: 'knowledge' } });
    await screen.findByText('price-list.pdf');
    expect(await axeViolations()).toEqual([]);
  });
});
