// The access-token lifetime of one socket: a warning some time before the token expires (the client
// answers with a fresh token), and the end of the socket at expiry unless a fresh token re-armed it.
export class TokenLifetime {
  private warnTimer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;

  constructor(
    /** The warning goes out this long before expiry (at once when less is left). */
    private readonly warningMs: number,
    private readonly onExpiring: (expiresAt: Date) => void,
    private readonly onExpired: () => void,
  ) {}

  /** (Re)starts both timers for a token expiring at `expiresAt`. */
  arm(expiresAt: Date): void {
    this.clear();
    const at = expiresAt.getTime();
    const now = Date.now();
    const warnIn = at - this.warningMs - now;
    const warn = () => {
      this.warnTimer = null;
      this.onExpiring(new Date(at));
    };
    if (warnIn <= 0) warn();
    else this.warnTimer = setTimeout(warn, warnIn).unref();
    this.expiryTimer = setTimeout(
      () => {
        this.expiryTimer = null;
        this.onExpired();
      },
      Math.max(0, at - now),
    ).unref();
  }

  clear(): void {
    if (this.warnTimer) clearTimeout(this.warnTimer);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.warnTimer = null;
    this.expiryTimer = null;
  }
}
