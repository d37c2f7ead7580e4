// Where documents go in: drop files anywhere on the area, or choose them with the keyboard.
import { useState } from 'react';
import { KNOWLEDGE_EXTENSIONS, KNOWLEDGE_MAX_BYTES, KNOWLEDGE_MIME_TYPES } from '@voxanne/protocol';
import type { Upload } from '../../hooks/use-knowledge-uploads';
import { formatBytes } from '../../format/size';

const ACCEPT = [...KNOWLEDGE_EXTENSIONS, ...KNOWLEDGE_MIME_TYPES].join(',');

const STATUS_WORD: Record<Upload['status'], string> = {
  waiting: 'Waiting',
  uploading: 'Uploading',
  done: 'Uploaded',
  refused: 'Not uploaded',
  failed: 'Failed',
};

export function UploadArea(props: { uploads: Upload[]; onFiles: (files: File[]) => void; onClear: () => void }) {
  const [dragging, setDragging] = useState(false);
  const finished = props.uploads.some((u) => u.status !== 'waiting' && u.status !== 'uploading');
  return (
    <div className="upload">
      <div
        className={`dropzone ${dragging ? 'dropzone--active' : ''}`}
        onDragEnter={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
        }}
        onDragLeave={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
        }}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          props.onFiles(Array.from(e.dataTransfer.files));
        }}
      >
        <p className="dropzone__title">Drop documents here</p>
        <p className="dropzone__hint">
          Text, Markdown or PDF, up to {formatBytes(KNOWLEDGE_MAX_BYTES)} each. Price lists, opening hours, aftercare notes…
        </p>
        <label className="button button--primary file-button">
          Choose files
          <input
            className="visually-hidden"
            type="file"
            multiple
            accept={ACCEPT}
            onChange={(e) => {
              props.onFiles(Array.from(e.target.files ?? []));
              e.target.value = '';
            }}
          />
        </label>
      </div>
      {props.uploads.length > 0 && (
        <div className="uploads">
          <ul className="uploads__list" aria-label="Uploads">
            {props.uploads.map((upload) => (
              <li key={upload.uploadId} className={`upload-item upload-item--${upload.status}`}>
                <span className="upload-item__name">{upload.filename}</span>
                <span className="upload-item__status">{STATUS_WORD[upload.status]}</span>
                {upload.status === 'uploading' && (
                  <progress
                    className="upload-item__progress"
                    max={upload.totalBytes || 1}
                    value={upload.sentBytes}
                    aria-label={`Uploading ${upload.filename}`}
                  />
                )}
                {upload.problem && (
                  <p className="field__error" role="alert">
                    {upload.problem}
                  </p>
                )}
              </li>
            ))}
          </ul>
          {finished && (
            <button type="button" className="button button--small button--quiet" onClick={props.onClear}>
              Clear finished
            </button>
          )}
        </div>
      )}
    </div>
  );
}
