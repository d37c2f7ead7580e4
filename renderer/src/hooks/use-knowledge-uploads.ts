// Uploads of clinic documents: checked for type and size before any byte is read, read into
// memory, sent over the bridge one at a time, with progress from `knowledge.onUploadProgress`.
import { useCallback, useEffect, useRef, useState } from 'react';
import { KNOWLEDGE_EXTENSIONS, KNOWLEDGE_MAX_BYTES, type ApiError, type KnowledgeDocument } from '@voxanne/protocol';
import { settle } from '../bridge';
import { useBridge } from '../stores/context';
import { formatBytes } from '../format/size';

export type UploadStatus = 'waiting' | 'uploading' | 'done' | 'refused' | 'failed';

export interface Upload {
  uploadId: string;
  filename: string;
  totalBytes: number;
  sentBytes: number;
  status: UploadStatus;
  /** Why it was refused (before sending) or failed (while sending). */
  problem: string | null;
}

/** Why a file cannot be a knowledge document, or null when it can. */
export function knowledgeFileProblem(file: { name: string; size: number }): string | null {
  const name = file.name.toLowerCase();
  if (!KNOWLEDGE_EXTENSIONS.some((ext) => name.endsWith(ext))) {
    return `${file.name} is not a text, Markdown or PDF file (.txt, .md or .pdf).`;
  }
  if (file.size === 0) return `${file.name} is empty.`;
  if (file.size > KNOWLEDGE_MAX_BYTES) {
    return `${file.name} is larger than the ${formatBytes(KNOWLEDGE_MAX_BYTES)} limit.`;
  }
  return null;
}

export function useKnowledgeUploads(onUploaded: (document: KnowledgeDocument) => void) {
  const bridge = useBridge();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const queue = useRef<{ uploadId: string; file: File }[]>([]);
  const busy = useRef(false);
  const mounted = useRef(false);
  const uploaded = useRef(onUploaded);
  useEffect(() => {
    uploaded.current = onUploaded;
  });

  const patch = useCallback((uploadId: string, change: Partial<Upload>) => {
    if (!mounted.current) return;
    setUploads((all) => all.map((u) => (u.uploadId === uploadId ? { ...u, ...change } : u)));
  }, []);

  useEffect(() => {
    mounted.current = true;
    const unsubscribe = bridge.knowledge.onUploadProgress((progress) =>
      patch(progress.uploadId, { sentBytes: progress.sentBytes, totalBytes: progress.totalBytes }),
    );
    return () => {
      mounted.current = false;
      queue.current = [];
      unsubscribe();
    };
  }, [bridge, patch]);

  const pump = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    while (mounted.current && queue.current.length > 0) {
      const next = queue.current.shift();
      if (!next) break;
      patch(next.uploadId, { status: 'uploading' });
      let error: ApiError | null = null;
      try {
        const data = new Uint8Array(await next.file.arrayBuffer());
        const result = await settle(bridge.knowledge.upload({ uploadId: next.uploadId, filename: next.file.name, data }));
        if (result.ok) {
          patch(next.uploadId, { status: 'done', sentBytes: next.file.size });
          if (mounted.current) uploaded.current(result.data);
        } else {
          error = result.error;
        }
      } catch {
        error = { code: 'bad_request', message: `${next.file.name} could not be read from this computer.` };
      }
      if (error) patch(next.uploadId, { status: 'failed', problem: error.message });
    }
    busy.current = false;
  }, [bridge, patch]);

  const add = useCallback(
    (files: Iterable<File>) => {
      const added: Upload[] = [];
      for (const file of files) {
        const uploadId = crypto.randomUUID();
        const problem = knowledgeFileProblem(file);
        added.push({
          uploadId,
          filename: file.name,
          totalBytes: file.size,
          sentBytes: 0,
          status: problem ? 'refused' : 'waiting',
          problem,
        });
        if (!problem) queue.current.push({ uploadId, file });
      }
      setUploads((all) => [...added, ...all]);
      void pump();
    },
    [pump],
  );

  const clearFinished = useCallback(() => {
    setUploads((all) => all.filter((u) => u.status === 'waiting' || u.status === 'uploading'));
  }, []);

  return { uploads, add, clearFinished };
}
