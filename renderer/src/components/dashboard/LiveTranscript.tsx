// A call's transcript as it streams: final lines, then the newest partial per speaker (shown as
// still being spoken, and replaced when the final arrives). It stays pinned to the newest line
// unless the reader scrolled up to read back. A reversed flex column does that in CSS (the scroll
// origin is the bottom, and scroll anchoring holds a reader's place), so no script has to read
// layout for 50 transcripts on every batch.
import { memo } from 'react';
import type { Speaker } from '@voxanne/protocol';
import type { TranscriptLine } from '../../stores/calls-store';

export const SPEAKER_LABEL: Record<Speaker, string> = { assistant: 'Assistant', caller: 'Caller' };

/** A final line never changes once said, so a new line re-renders itself only, not the ones before it. */
const FinalLine = memo(function FinalLine(props: { line: TranscriptLine }) {
  const { line } = props;
  return (
    <li className={`transcript__line transcript__line--${line.speaker}`}>
      <span className="transcript__speaker">{SPEAKER_LABEL[line.speaker]}</span>
      <span className="transcript__text">{line.text}</span>
    </li>
  );
});

export function LiveTranscript(props: { lines: TranscriptLine[]; partials: Record<Speaker, string | null>; label: string }) {
  const { lines, partials, label } = props;
  const speaking = (['caller', 'assistant'] as const).filter((s) => partials[s]);
  return (
    <div className="transcript transcript--live" tabIndex={0} role="region" aria-label={label}>
      <div className="transcript__flow">
        {lines.length === 0 && speaking.length === 0 ? (
          <p className="transcript__empty">Waiting for someone to speak…</p>
        ) : (
          <ol className="transcript__lines">
            {lines.map((line) => (
              <FinalLine key={line.id} line={line} />
            ))}
            {speaking.map((speaker) => (
              <li key={`partial-${speaker}`} className={`transcript__line transcript__line--${speaker} transcript__line--partial`}>
                <span className="transcript__speaker">{SPEAKER_LABEL[speaker]}</span>
                <span className="transcript__text">
                  {partials[speaker]}
                  <span className="visually-hidden"> (still speaking)</span>
                </span>
              </li>
            ))}
          </ol>
        )}
      </div>
    </div>
  );
}
