// Small helpers for reading real HTTP responses in tests.

/** The response body as JSON, loosely typed: tests assert its shape with expect(). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function json(res: Response): Promise<any> {
  return res.json();
}
