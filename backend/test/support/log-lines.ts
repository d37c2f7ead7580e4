// The backend's log as a test reads it: a pino destination that keeps every line, parsed.

/** The fields of a request's log lines that tests look at. */
export interface LogLine {
  level: string;
  msg: string;
  reqId?: string;
  req?: { method: string; path: string };
  res?: { statusCode: number };
  responseTime?: number;
}

/** `lines` fills as the logger writes to `destination` (pino writes one JSON line per call). */
export function capturedLog(): { lines: LogLine[]; destination: { write: (line: string) => void } } {
  const lines: LogLine[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) } };
}
