import { describe, expect, it } from 'vitest';
import { EndOfCallReportSchema, reportContent, toolCallsOf, vapiMillis, VapiServerMessageSchema } from './vapi-messages.js';

describe('reading Vapi messages in every published shape', () => {
  it('reads timestamps as epoch milliseconds, ISO-8601 strings or digit strings; anything else is absent', () => {
    const ms = Date.parse('2025-01-10T09:00:00.000Z');
    expect(vapiMillis(ms)).toBe(ms);
    expect(vapiMillis('2025-01-10T09:00:00.000Z')).toBe(ms);
    expect(vapiMillis('2025-01-10T10:00:00+01:00')).toBe(ms);
    expect(vapiMillis(String(ms))).toBe(ms);
    for (const junk of ['yesterday', '', {}, [], true, null, undefined, Number.NaN, '2025-13-45T99:99:99Z'])
      expect(vapiMillis(junk)).toBeNull();
    const parsed = VapiServerMessageSchema.parse({
      type: 'transcript',
      role: 'user',
      transcriptType: 'final',
      transcript: 'hi',
      timestamp: '2025-01-10T09:00:00.000Z',
    });
    expect(parsed.timestamp).toBe(ms);
    // A timestamp of the wrong type costs the message nothing.
    expect(VapiServerMessageSchema.parse({ type: 'hang', timestamp: { at: 'now' } }).timestamp).toBeNull();
  });

  it('reads tool calls in the spec, flattened and toolWithToolCallList-only forms, in order, with per-call errors', () => {
    const spec = toolCallsOf({
      toolCallList: [
        { id: 'a', type: 'function', function: { name: 'lookupCaller', arguments: { x: 1 } } },
        { id: 'b', type: 'function', function: { name: 'checkAvailability', arguments: '{"date":"2030-01-07"}' } },
        { id: 'c', name: 'bookAppointment', arguments: { patientName: 'Ada' } },
        { id: 'd', name: 'bookAppointment', parameters: '{"patientName":"Grace"}' },
        { id: 'e', function: { name: 'x', arguments: '{oops' } },
        { id: 'f', function: { name: 'x', arguments: 7 } },
        { id: 'g', function: { name: 'x', arguments: '"text"' } },
        { id: 'h', type: 'function' },
        { no: 'id' },
        'junk',
        { id: 'i', function: { name: 'x', arguments: null } },
      ],
      toolWithToolCallList: [{ name: 'fromTwin', toolCall: { id: 'h' } }],
    });
    expect(spec).toEqual([
      { id: 'a', type: 'function', function: { name: 'lookupCaller', arguments: { x: 1 } } },
      { id: 'b', type: 'function', function: { name: 'checkAvailability', arguments: { date: '2030-01-07' } } },
      { id: 'c', type: 'function', function: { name: 'bookAppointment', arguments: { patientName: 'Ada' } } },
      { id: 'd', type: 'function', function: { name: 'bookAppointment', arguments: { patientName: 'Grace' } } },
      { id: 'e', error: 'The tool arguments are not valid JSON.' },
      { id: 'f', error: 'The tool arguments must be a JSON object.' },
      { id: 'g', error: 'The tool arguments must be a JSON object.' },
      { id: 'h', type: 'function', function: { name: 'fromTwin', arguments: {} } },
      { id: 'i', type: 'function', function: { name: 'x', arguments: {} } },
    ]);
    const twinOnly = toolCallsOf({
      toolCallList: [],
      toolWithToolCallList: [
        {
          type: 'function',
          function: { name: 'lookupCaller' },
          toolCall: { id: 't1', type: 'function', function: { name: 'lookupCaller', parameters: { q: 1 } } },
        },
        { name: 'transferToFrontDesk', toolCall: { id: 't2', parameters: { reason: 'help' } } },
      ],
    });
    expect(twinOnly.map((c) => ('error' in c ? c : [c.id, c.function.name, c.function.arguments]))).toEqual([
      ['t1', 'lookupCaller', { q: 1 }],
      ['t2', 'transferToFrontDesk', { reason: 'help' }],
    ]);
    // Beyond 20 calls in one message, each still gets an answer: an error.
    const many = toolCallsOf({
      toolCallList: Array.from({ length: 22 }, (_, i) => ({ id: `m${i}`, name: 'lookupCaller', arguments: {} })),
    });
    expect(many.map((c) => 'error' in c)).toEqual([...Array<boolean>(20).fill(false), true, true]);
    // Arguments inside a JSON string are cleaned like the body is.
    const [nul] = toolCallsOf({ toolCallList: [{ id: 'n', name: 'x', arguments: '{"name":"A\\u0000B\\ud800"}' }] });
    expect(nul).toEqual({ id: 'n', type: 'function', function: { name: 'x', arguments: { name: 'AB\ufffd' } } });
  });

  it('reads a report from artifact/analysis, else the legacy top-level fields, else the old Call object', () => {
    const call = { id: 'c', transcript: 'AI: from call', summary: 'call summary', recordingUrl: 'https://call.example/rec.wav' };
    const read = (message: Record<string, unknown>) => {
      const parsed = EndOfCallReportSchema.parse({ type: 'end-of-call-report', call, ...message });
      return reportContent({ ...parsed, call: parsed.call! });
    };
    expect(read({})).toMatchObject({ transcript: 'AI: from call', summary: 'call summary', recordingUrl: 'https://call.example/rec.wav' });
    expect(
      read({
        transcript: 'AI: legacy',
        summary: 'legacy',
        recordingUrl: 'https://legacy.example/r.wav',
        messages: [{ role: 'bot', message: 'x' }],
      }),
    ).toMatchObject({
      transcript: 'AI: legacy',
      summary: 'legacy',
      recordingUrl: 'https://legacy.example/r.wav',
      messages: [{ role: 'bot', message: 'x' }],
    });
    expect(
      read({
        transcript: 'AI: legacy',
        summary: 'legacy',
        artifact: { transcript: 'AI: current', recording: { mono: { combinedUrl: 'https://current.example/m.wav' } } },
        analysis: { summary: 'current', structuredData: { callCategory: 'booking' }, successEvaluation: 'true' },
      }),
    ).toMatchObject({
      transcript: 'AI: current',
      summary: 'current',
      recordingUrl: 'https://current.example/m.wav',
      structuredData: { callCategory: 'booking' },
      successEvaluation: 'true',
    });
    // Empty current values fall through to what the report does carry.
    expect(
      read({ summary: 'legacy', analysis: { summary: '' }, artifact: { messages: [] }, messages: [{ role: 'user', message: 'y' }] }),
    ).toMatchObject({
      summary: 'legacy',
      messages: [{ role: 'user', message: 'y' }],
    });
  });
});
