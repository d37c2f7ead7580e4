import { describe, expect, it } from 'vitest';
import { readMainConfig } from './config.js';

const problemsOf = (env: NodeJS.ProcessEnv) => {
  const result = readMainConfig(env);
  return result.ok ? [] : result.problems;
};

describe('main config: where the app connects and updates from', () => {
  it('takes an https backend and drops a trailing slash', () => {
    expect(readMainConfig({ VOXANNE_BACKEND_URL: 'https://api.clinic.example/' })).toMatchObject({
      ok: true,
      config: { backendUrl: 'https://api.clinic.example', updateUrl: null },
    });
  });

  it('allows plain http only to this computer', () => {
    for (const url of ['http://127.0.0.1:3000', 'http://localhost:3000', 'http://LOCALHOST', 'http://[::1]:3000']) {
      expect(readMainConfig({ VOXANNE_BACKEND_URL: url }).ok, url).toBe(true);
    }
  });

  it('refuses http to any other host with a line that says why', () => {
    for (const url of [
      'http://api.clinic.example',
      'http://192.168.1.20:3000',
      'http://127.0.0.1.nip.io',
      'http://localhost.evil.example',
    ]) {
      expect(problemsOf({ VOXANNE_BACKEND_URL: url }), url).toEqual([
        'VOXANNE_BACKEND_URL: must use https:// (plain http:// is allowed only for localhost, 127.0.0.1 and ::1): tokens and patient data travel on it',
      ]);
    }
    expect(problemsOf({ VOXANNE_BACKEND_URL: 'ftp://api.clinic.example' })[0]).toMatch(/^VOXANNE_BACKEND_URL: /);
    expect(problemsOf({})[0]).toMatch(/^VOXANNE_BACKEND_URL: /);
  });

  it('refuses an update feed that is not https, even on loopback', () => {
    const base = { VOXANNE_BACKEND_URL: 'https://api.clinic.example' };
    expect(readMainConfig({ ...base, VOXANNE_UPDATE_URL: 'https://updates.clinic.example/desktop/' })).toMatchObject({
      ok: true,
      config: { updateUrl: 'https://updates.clinic.example/desktop/' },
    });
    for (const url of ['http://updates.clinic.example/desktop/', 'http://127.0.0.1:8080/']) {
      expect(problemsOf({ ...base, VOXANNE_UPDATE_URL: url })).toEqual([
        'VOXANNE_UPDATE_URL: must be an https:// URL: the app installs what this feed serves',
      ]);
    }
    expect(readMainConfig({ ...base, VOXANNE_UPDATE_URL: '' })).toMatchObject({ ok: true, config: { updateUrl: null } });
  });

  it('uses what the build baked in unless the environment says otherwise, and checks both', () => {
    const built = { backendUrl: 'https://built.clinic.example', updateUrl: 'https://updates.clinic.example/' };
    expect(readMainConfig({}, built)).toMatchObject({
      ok: true,
      config: { backendUrl: 'https://built.clinic.example', updateUrl: 'https://updates.clinic.example/' },
    });
    expect(readMainConfig({ VOXANNE_BACKEND_URL: 'http://localhost:3000' }, built)).toMatchObject({
      ok: true,
      config: { backendUrl: 'http://localhost:3000' },
    });
    expect(readMainConfig({}, { backendUrl: 'http://built.clinic.example' }).ok).toBe(false);
    expect(readMainConfig({}, { ...built, updateUrl: 'http://updates.clinic.example/' }).ok).toBe(false);
  });

  it('gives REST requests 10 s unless VOXANNE_REQUEST_TIMEOUT_MS says otherwise, within 1 s to 5 min', () => {
    const base = { VOXANNE_BACKEND_URL: 'https://api.clinic.example' };
    expect(readMainConfig(base)).toMatchObject({ ok: true, config: { requestTimeoutMs: 10_000 } });
    expect(readMainConfig({ ...base, VOXANNE_REQUEST_TIMEOUT_MS: '' })).toMatchObject({ ok: true, config: { requestTimeoutMs: 10_000 } });
    expect(readMainConfig({ ...base, VOXANNE_REQUEST_TIMEOUT_MS: '60000' })).toMatchObject({
      ok: true,
      config: { requestTimeoutMs: 60_000 },
    });
    for (const bad of ['999', '300001', '2.5', 'soon'])
      expect(problemsOf({ ...base, VOXANNE_REQUEST_TIMEOUT_MS: bad })).toEqual([expect.stringMatching(/^VOXANNE_REQUEST_TIMEOUT_MS: /)]);
  });
});
