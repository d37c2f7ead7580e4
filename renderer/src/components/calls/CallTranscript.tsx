// A stored call's full transcript, speaker by speaker, with the time into the call when known.
import type { TranscriptSegment } from '@voxanne/protocol';
import { formatClock } from '../../format/time';
import { SPEAKER_LABEL } from '../dashboard/LiveTranscript';

export function CallTranscript(props: { segments: TranscriptSegment[] }) {
  if (props.segments.length === 0) return <p className="transcript__empty">No transcript was recorded for this call.</p>;
  return (
    <ol className="transcript__lines transcript--full">
      {props.segments.map((segment) => (
        <li key={segment.id} className={`transcript__line transcript__line--${segment.speaker}`}>
          <span className="transcript__speaker">
            {SPEAKER_LABEL[segment.speaker]}
            {segment.offsetSeconds !== null && <span className="transcript__offset"> {formatClock(segment.offsetSeconds)}</span>}
          </span>
          <span className="transcript__text">{segment.text}</span>
        </li>
      ))}
    </ol>
  );
}
