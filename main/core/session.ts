// The signed-in front-desk session: login, refresh, logout, idle auto-lock.
//
// The access token and CSRF token live only in this object's memory; the refresh token goes to the
// SecretVault. Refresh happens a little before the access token expires, and is single-flight: every
// caller that needs a fresh token while one refresh is under way waits for that same refresh, so a
// rotating refresh token is never spent twice.
import type { FrontDeskUser, LoginRequest, LoginResponse, SessionState } from '@voxanne/protocol';
import type { ApiCallOptions, ApiClient, ApiResponseOf, ApiResult } from './api-client.js';
import type { ApiRouteName } from '@voxanne/protocol';
import { Listeners } from './listeners.js';
import type { Logger } from './logger.js';
import type { Clock, SecretVault, TimerHandle } from './ports.js';
import { UserMessage, UserFacingError, userFacing } from './user-messages.js';

/** Refresh this long before expiry, or a fifth of the token's lifetime when that is shorter. */
export const REFRESH_MARGIN_MS = 60_000;
/** A token this close to expiry is not worth sending: refresh first. */
const NEARLY_EXPIRED_MS = 5_000;
/** When the server could not be reached for a refresh, try again after this long. */
export const REFRESH_RETRY_MS = 10_000;

type RefreshOutcome = 'refreshed' | 'rejected' | 'unreachable';

interface HeldTokens {
  accessToken: string;
  csrfToken: string;
  refreshToken: string;
  /** Epoch ms when the access token stops working. */
  expiresAt: number;
}

export interface SessionOptions {
  api: ApiClient;
  vault: SecretVault;
  clock: Clock;
  logger: Logger;
  autoLockMinutes: number;
}

export class Session {
  private state: SessionState = { status: 'signed-out', reason: null };
  private tokens: HeldTokens | null = null;
  private refreshing: Promise<RefreshOutcome> | null = null;
  private refreshTimer: TimerHandle | null = null;
  private idleTimer: TimerHandle | null = null;
  private autoLockMinutes: number;
  private readonly stateListeners = new Listeners<SessionState>();
  private readonly o: SessionOptions;
  /** Bumped on every sign-in and sign-out, so a refresh that finishes after either is ignored. */
  private epoch = 0;

  constructor(options: SessionOptions) {
    this.o = options;
    this.autoLockMinutes = options.autoLockMinutes;
  }

  getState(): SessionState {
    return this.state;
  }

  onState(listener: (state: SessionState) => void): () => void {
    return this.stateListeners.subscribe(listener);
  }

  get user(): FrontDeskUser | null {
    return this.state.status === 'signed-out' ? null : this.state.user;
  }

  /** At start-up: sign back in with the vault's refresh token, if there is one. */
  async restore(): Promise<SessionState> {
    const refreshToken = await this.o.vault.getRefreshToken().catch((err: unknown) => {
      this.o.logger.warn('could not read the token vault', { error: err });
      return null;
    });
    if (!refreshToken || this.state.status !== 'signed-out') return this.state;
    const epoch = this.epoch;
    const result = await this.o.api.call('refresh', { body: { refreshToken } });
    if (epoch !== this.epoch) return this.state;
    if (result.ok) {
      await this.adopt(result.data);
    } else if (result.status === null || result.error.code === 'unavailable') {
      // Keep the token and keep trying: the session may well still be good.
      this.setState({ status: 'signed-out', reason: result.error.message });
      this.refreshTimer = this.o.clock.setTimeout(() => void this.restore(), REFRESH_RETRY_MS);
    } else {
      await this.o.vault.deleteRefreshToken().catch(() => {});
      this.setState({ status: 'signed-out', reason: UserMessage.sessionExpired });
    }
    return this.state;
  }

  async login(request: LoginRequest): Promise<SessionState> {
    const result = await this.o.api.call('login', { body: request });
    if (!result.ok) throw new UserFacingError(result.error);
    if (this.state.status !== 'signed-out') await this.logout();
    await this.adopt(result.data);
    return this.state;
  }

  async logout(): Promise<SessionState> {
    const tokens = this.tokens;
    this.endLocally(null);
    await this.o.vault.deleteRefreshToken().catch((err: unknown) => this.o.logger.warn('could not clear the token vault', { error: err }));
    if (tokens) {
      // Best effort: the server forgets the session; locally it is already gone either way.
      const result = await this.o.api.call('logout', { body: { refreshToken: tokens.refreshToken }, credentials: tokens });
      if (!result.ok) this.o.logger.info('server-side logout did not complete', { code: result.error.code });
    }
    return this.state;
  }

  /** The session ended without the user asking (revoked, or the refresh token was refused). */
  async expire(reason: string): Promise<void> {
    if (this.state.status === 'signed-out') return;
    this.endLocally(reason);
    await this.o.vault.deleteRefreshToken().catch(() => {});
  }

  lock(): SessionState {
    if (this.state.status === 'signed-in') {
      this.o.clock.clearTimeout(this.idleTimer);
      this.idleTimer = null;
      this.setState({ status: 'locked', user: this.state.user });
    }
    return this.state;
  }

  /**
   * Checks the password by signing in again, then throws that second session away: the running
   * session (and the live connection riding on it) is left untouched.
   */
  async unlock(password: string): Promise<SessionState> {
    if (this.state.status !== 'locked') return this.state;
    const user = this.state.user;
    const result = await this.o.api.call('login', { body: { email: user.email, password } });
    if (!result.ok) {
      if (result.error.code === 'invalid_credentials') throw userFacing('invalid_credentials', UserMessage.wrongPassword);
      throw new UserFacingError(result.error);
    }
    if (result.data.user.id !== user.id) throw userFacing('invalid_credentials', UserMessage.wrongPassword);
    void this.o.api
      .call('logout', { body: { refreshToken: result.data.refreshToken }, credentials: result.data })
      .then((r) => !r.ok && this.o.logger.info('could not discard the unlock session', { code: r.error.code }));
    if (this.state.status === 'locked') {
      this.setState({ status: 'signed-in', user: this.state.user });
      this.armIdleTimer();
    }
    return this.state;
  }

  reportActivity(): void {
    if (this.state.status === 'signed-in') this.armIdleTimer();
  }

  setAutoLockMinutes(minutes: number): void {
    this.autoLockMinutes = minutes;
    if (this.state.status === 'signed-in') this.armIdleTimer();
  }

  /** A usable access token, refreshing first when it is (nearly) expired. */
  async accessToken(): Promise<string> {
    const tokens = this.tokens;
    if (tokens && tokens.expiresAt - this.o.clock.now() > NEARLY_EXPIRED_MS) return tokens.accessToken;
    const outcome = await this.refresh();
    if (outcome === 'refreshed' && this.tokens) return this.tokens.accessToken;
    throw this.refreshFailure(outcome);
  }

  /** Single-flight: concurrent callers share the one refresh in progress. */
  refresh(): Promise<RefreshOutcome> {
    this.refreshing ??= this.refreshOnce().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** An authenticated REST call; one refresh-and-retry when the access token was refused. */
  async call<N extends ApiRouteName>(name: N, options: Omit<ApiCallOptions, 'credentials'> = {}): Promise<ApiResponseOf<N>> {
    await this.accessToken();
    let result = await this.callWithTokens(name, options);
    if (!result.ok && result.status === 401 && this.tokens) {
      const outcome = await this.refresh();
      if (outcome !== 'refreshed') throw this.refreshFailure(outcome);
      result = await this.callWithTokens(name, options);
    }
    if (!result.ok) throw new UserFacingError(result.error);
    return result.data;
  }

  dispose(): void {
    this.o.clock.clearTimeout(this.refreshTimer);
    this.o.clock.clearTimeout(this.idleTimer);
    this.refreshTimer = null;
    this.idleTimer = null;
    this.stateListeners.clear();
  }

  private callWithTokens<N extends ApiRouteName>(
    name: N,
    options: Omit<ApiCallOptions, 'credentials'>,
  ): Promise<ApiResult<ApiResponseOf<N>>> {
    if (!this.tokens)
      return Promise.resolve({ ok: false, error: { code: 'unauthenticated', message: UserMessage.notSignedIn }, status: null });
    return this.o.api.call(name, { ...options, credentials: this.tokens });
  }

  private refreshFailure(outcome: RefreshOutcome): UserFacingError {
    if (outcome === 'unreachable') return userFacing('unavailable', UserMessage.serverUnreachable);
    const reason = this.state.status === 'signed-out' ? this.state.reason : null;
    return userFacing('unauthenticated', reason ?? UserMessage.sessionExpired);
  }

  private async refreshOnce(): Promise<RefreshOutcome> {
    const tokens = this.tokens;
    if (!tokens) return 'rejected';
    const epoch = this.epoch;
    const result = await this.o.api.call('refresh', { body: { refreshToken: tokens.refreshToken } });
    if (epoch !== this.epoch) return this.tokens ? 'refreshed' : 'rejected';
    if (result.ok) {
      await this.adopt(result.data);
      return 'refreshed';
    }
    if (result.status === null || result.error.code === 'unavailable' || (result.status ?? 0) >= 500) {
      this.o.logger.warn('token refresh could not reach the server', { code: result.error.code });
      this.scheduleRefresh(REFRESH_RETRY_MS);
      return 'unreachable';
    }
    this.o.logger.info('refresh token refused; signing out', { code: result.error.code });
    await this.expire(UserMessage.sessionExpired);
    return 'rejected';
  }

  private async adopt(response: LoginResponse): Promise<void> {
    const firstSignIn = this.state.status === 'signed-out';
    this.tokens = {
      accessToken: response.accessToken,
      csrfToken: response.csrfToken,
      refreshToken: response.refreshToken,
      expiresAt: this.o.clock.now() + response.expiresIn * 1000,
    };
    if (firstSignIn) this.epoch++;
    const lifetimeMs = response.expiresIn * 1000;
    this.scheduleRefresh(lifetimeMs - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 5));
    await this.o.vault
      .setRefreshToken(response.refreshToken)
      .catch((err: unknown) => this.o.logger.warn('could not store the refresh token', { error: err }));
    const status = this.state.status === 'locked' ? 'locked' : 'signed-in';
    // A routine refresh changes nothing the renderer shows; only tell it when something did.
    if (this.state.status !== status || JSON.stringify(this.user) !== JSON.stringify(response.user)) {
      this.setState({ status, user: response.user });
    }
    if (firstSignIn) this.armIdleTimer();
  }

  private scheduleRefresh(inMs: number): void {
    this.o.clock.clearTimeout(this.refreshTimer);
    this.refreshTimer = this.o.clock.setTimeout(
      () => {
        this.refreshTimer = null;
        void this.refresh();
      },
      Math.max(0, inMs),
    );
  }

  private armIdleTimer(): void {
    this.o.clock.clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.autoLockMinutes <= 0) return;
    this.idleTimer = this.o.clock.setTimeout(() => {
      this.idleTimer = null;
      this.o.logger.info('idle: locking the console');
      this.lock();
    }, this.autoLockMinutes * 60_000);
  }

  private endLocally(reason: string | null): void {
    this.epoch++;
    this.tokens = null;
    this.o.clock.clearTimeout(this.refreshTimer);
    this.o.clock.clearTimeout(this.idleTimer);
    this.refreshTimer = null;
    this.idleTimer = null;
    this.setState({ status: 'signed-out', reason });
  }

  private setState(state: SessionState): void {
    this.state = state;
    this.stateListeners.emit(state);
  }
}
