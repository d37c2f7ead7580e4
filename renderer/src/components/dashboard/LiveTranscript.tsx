// A call's transcript as it streams: final lines, then the newest partial per speaker (shown as
// still being spoken, and replaced when the final arrives). Stays pinned to the newest line unless
// the reader scrolled up to read back.
import { useLayoutEffect, useRef } from 'react';
import type { Speaker } from '@voxanne/protocol';
import type { TranscriptLine } from '../../stores/calls-store';

export const SPEAKER_LABEL: Record<Speaker, string> = { assistant: 'Assistant', caller: 'Caller' };
const PIN_THRESHOLD_PX = 24;

export function LiveTranscript(props: {
  lines: TranscriptLine[];
  partials: Record<Speaker, string | null>;
  label: string;
}) {
  const { lines, partials, label } = props;
  const box = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);

  useLayoutEffect(() => {
    const el = box.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [lines, partials]);

  const speaking = (['caller', 'assistant'] as const).filter((s) => partials[s]);
  return (
    <div
      ref={box}
      className="transcript transcript--live"
      tabIndex={0}
      role="region"
      aria-label={label}
      onScroll={(event) => {
        const el = event.currentTarget;
        pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < PIN_THRESHOLD_PX;
      }}
    >
      {lines.length === 0 && speaking.length === 0 ? (
        <p className="transcript__empty">Waiting for someone to speak…</p>
      ) : (
        <ol className="transcript__lines">
          {lines.map((line) => (
            <li key={line.id} className={`transcript__line transcript__line--${line.speaker}`}>
              <span className="transcript__speaker">{SPEAKER_LABEL[line.speaker]}</span>
              <span className="transcript__text">{line.text}</span>
            </li>
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
  );
}
