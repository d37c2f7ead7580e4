// Hands text to the browser's own download (Electron asks where to save it; the browser host saves
// it to the downloads folder). The object URL is released once the click has been dispatched.
export function saveTextFile(filename: string, text: string, mimeType: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${mimeType};charset=utf-8` }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // A later task: the download has taken its copy by then.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
