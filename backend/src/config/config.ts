// Every setting of the backend, read once from environment variables and validated here.
// Nothing else in the backend reads process.env: the Config object is passed down.
import path from 'node:path';
import { z } from 'zod';
import { CountryCodeSchema, LIVE_SERVER_PING_INTERVAL_MAX_MS } from '@voxanne/protocol';

const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const url = z.url({ protocol: /^https?$/ });
const optionalNonEmpty = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: url.optional(),
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  DATA_DIR: z.string().min(1).default('.data'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  DATABASE_PREPARED_STATEMENTS: bool.default(true),

  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_AUDIENCE: z.string().min(1).default('voxanne-desk'),
  JWT_ISSUER: z.string().min(1).default('voxanne-backend'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(900).default(900),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(90).default(30),

  SUPABASE_URL: url.optional(),
  SUPABASE_ANON_KEY: optionalNonEmpty,
  SUPABASE_JWT_SECRET: optionalNonEmpty,

  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  LIVE_REDIS_CHANNEL: z.string().min(1).max(200).default('voxanne:live-events'),
  LIVE_SOCKET_BUFFER_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(16 * 1024)
    .max(64 * 1024 * 1024)
    .default(256 * 1024),
  // Two missed intervals end a socket, so the 15 s cap keeps dead-peer detection within 30 s.
  LIVE_HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).max(LIVE_SERVER_PING_INTERVAL_MAX_MS).default(10_000),
  LIVE_TOKEN_EXPIRY_WARNING_SECONDS: z.coerce.number().int().min(1).max(600).default(60),
  LIVE_SESSION_RECHECK_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
  LIVE_RESUME_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  LIVE_CATCHUP_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  LIVE_GAP_FILL_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(200),
  LIVE_SOCKETS_PER_USER: z.coerce.number().int().min(1).max(1_000).default(20),
  LIVE_RETENTION_HOURS: z.coerce.number().min(24, 'must be at least 24 (consoles resume across a day)').default(24),
  LIVE_RETENTION_MIN_EVENTS: z.coerce.number().int().min(50_000, 'must be at least 50000').default(50_000),
  LIVE_RETENTION_INTERVAL_MINUTES: z.coerce.number().min(1).max(1440).default(60),
  DATA_RETENTION_INTERVAL_MINUTES: z.coerce.number().min(1).max(1440).default(60),

  VAPI_API_KEY: optionalNonEmpty,
  VAPI_BASE_URL: url.default('https://api.vapi.ai'),
  VAPI_WEBHOOK_AUTH: z.enum(['hmac', 'secret']).default('hmac'),
  VAPI_WEBHOOK_SECRET: optionalNonEmpty,
  VAPI_CREDENTIAL_ID: optionalNonEmpty,
  VAPI_DEFAULT_PHONE_NUMBER_ID: optionalNonEmpty,
  VAPI_MODEL_PROVIDER: z.string().min(1).default('openai'),
  VAPI_MODEL: z.string().min(1).default('gpt-4o-mini'),

  TWILIO_ACCOUNT_SID: optionalNonEmpty,
  TWILIO_AUTH_TOKEN: optionalNonEmpty,
  TWILIO_SMS_FROM: optionalNonEmpty,
  TWILIO_BASE_URL: url.default('https://api.twilio.com'),
  SMS_BOOKING_TEMPLATE: z
    .string()
    .min(1)
    .max(640)
    .default('Hi {patientName}, your appointment at {clinicName} is booked for {when}. Reply STOP to opt out.'),
  TEST_CALL_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100).default(3),
  BOOKINGS_PER_CALL_MAX: z.coerce.number().int().min(1).max(20).default(2),
  BOOKINGS_PER_CALLER_PER_DAY_MAX: z.coerce.number().int().min(1).max(50).default(3),
  CLINIC_DEFAULT_COUNTRY: CountryCodeSchema.default('GB'),
  KNOWLEDGE_UPLOADS_PER_MINUTE: z.coerce.number().int().min(1).max(100).default(10),
  KNOWLEDGE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(50 * 1024 * 1024)
    .default(10 * 1024 * 1024),
  WEB_TEST_MAX_SESSION_SECONDS: z.coerce.number().int().min(5).max(3600).default(600),
  WEB_TEST_AUDIO_BUFFER_MS: z.coerce.number().int().min(100).max(5_000).default(500),
  WEB_TEST_STARTS_PER_MINUTE: z.coerce.number().int().min(1).max(100).default(5),
  WEB_TEST_SOCKETS_PER_USER: z.coerce.number().int().min(1).max(100).default(2),
  CALL_CONTROL_ACTIONS_PER_MINUTE: z.coerce.number().int().min(1).max(1000).default(30),
  LISTEN_AUDIO_BUFFER_MS: z.coerce.number().int().min(100).max(5_000).default(500),
  LISTEN_TICKET_SECONDS: z.coerce.number().int().min(5).max(300).default(30),

  CORS_ORIGIN: csv.default([]),
  WS_ALLOWED_ORIGINS: csv.default([]),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  AUTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  LOGIN_BACKOFF_AFTER_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  LOGIN_ACCOUNT_BACKOFF_AFTER_ATTEMPTS: z.coerce.number().int().min(1).max(10_000).default(50),
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(1200),
  RATE_LIMIT_REDIS_PREFIX: z.string().min(1).max(100).default('voxanne:rl:'),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),

  SEED_DEMO: bool.optional(),
  DEMO_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  SANDBOX_TIME_SCALE: z.coerce.number().min(0.1).max(1000).default(1),
  SANDBOX_INBOUND_CALLS_PER_MINUTE: z.coerce.number().min(0).max(600).default(0),
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(0),
});

export type Env = z.input<typeof EnvSchema>;

/** Every variable the backend reads (each must be explained in .env.example; a test checks). */
export const ENV_VARIABLES = Object.keys(EnvSchema.shape);

export interface Config {
  env: 'development' | 'production' | 'test';
  http: {
    port: number;
    host: string;
    /**
     * Where the outside world (vendors' webhooks, links) reaches this service. Unset outside
     * production: the backend then uses the address it actually listens on (see Backend.publicUrl).
     */
    publicUrl: string | undefined;
    trustProxy: number;
    corsOrigins: string[];
    wsAllowedOrigins: string[];
    bodyLimitBytes: number;
    authRateLimitPerMinute: number;
    /** Failed sign-ins at one account from one address before each further one waits twice as long as the last. */
    loginBackoffAfterFailures: number;
    /** Sign-ins at one account from addresses it never signed in from, before those back off too. */
    loginAccountBackoffAfterAttempts: number;
    apiRateLimitPerMinute: number;
    /** Namespaces the shared rate-limit counters in Redis (deployments sharing one Redis keep apart). */
    rateLimitRedisPrefix: string;
    /** When set, GET /metrics wants `Authorization: Bearer <token>` (the service is public on most hosts). */
    metricsToken: string | undefined;
    shutdownTimeoutMs: number;
  };
  dataDir: string;
  database: { kind: 'postgres'; url: string; poolMax: number; preparedStatements: boolean } | { kind: 'pglite'; dir: string };
  auth: {
    /** Unset: generated once and persisted in DATA_DIR (single-instance deployments only). */
    jwtSecret: string | undefined;
    audience: string;
    issuer: string;
    accessTokenTtlSeconds: number;
    refreshTokenTtlDays: number;
    supabase: { url: string; anonKey: string; jwtSecret: string | undefined } | undefined;
  };
  redisUrl: string | undefined;
  live: {
    /** Redis pub/sub channel of the live bus (deployments sharing one Redis use different ones). */
    redisChannel: string;
    socketBufferLimitBytes: number;
    heartbeatIntervalMs: number;
    tokenExpiryWarningSeconds: number;
    sessionRecheckMs: number;
    resumeWaitMs: number;
    catchUpIntervalMs: number;
    gapFillDelayMs: number;
    /** Live sockets one staff member may hold open on one instance; more are closed at once. */
    socketsPerUser: number;
    retention: { minAgeHours: number; minEventsPerClinic: number; intervalMinutes: number };
  };
  /** How often the clinics' retention periods are applied (compliance/retention.ts). */
  dataRetentionIntervalMinutes: number;
  telephony: {
    /** `sandbox` whenever no Vapi key is configured: the built-in simulator stands in for Vapi and Twilio. */
    mode: 'vapi' | 'sandbox';
    vapi: {
      apiKey: string | undefined;
      baseUrl: string;
      webhookAuth: 'hmac' | 'secret';
      webhookSecret: string | undefined;
      /** An existing Vapi webhook credential (HMAC) to reference; unset: created on first assistant sync. */
      credentialId: string | undefined;
      /** The number outbound test calls come from when the clinic has connected none of its own. */
      defaultPhoneNumberId: string | undefined;
      model: { provider: string; model: string };
    };
    twilio: { accountSid: string | undefined; authToken: string | undefined; smsFrom: string | undefined; baseUrl: string };
    /** Booking confirmation text; {patientName}, {clinicName} and {when} are filled in. */
    smsBookingTemplate: string;
    testCallsPerMinute: number;
    /** Bookings the assistant may make on one call, and for one caller's number in 24 hours. */
    bookingLimits: { perCall: number; perCallerPerDay: number };
    /** The country a clinic calls and texts before it has a number or a setting of its own. */
    defaultCountry: string;
    knowledgeMaxBytes: number;
    /** Knowledge-base uploads each staff member may make a minute (each is read in a worker thread). */
    knowledgeUploadsPerMinute: number;
  };
  webTest: {
    /** A web test ends after this long (the user is told why). */
    maxSessionSeconds: number;
    /** Audio each direction of the bridge may hold while a socket is busy, in 20 ms frames; oldest dropped past it. */
    audioBufferFrames: number;
    /** Web tests a staff member may start a minute (each is a call on the voice platform). */
    startsPerMinute: number;
    /** Web-test sockets one staff member may hold open on one instance; more are closed at once. */
    socketsPerUser: number;
  };
  callControl: {
    /** Live call actions (coach, say, take, end, listen) each staff member may take a minute. */
    actionsPerMinute: number;
    /** Listen audio a busy console socket may hold, in 20 ms frames; oldest dropped past it. */
    listenBufferFrames: number;
    /** How long a listen ticket stays usable (once). */
    listenTicketSeconds: number;
  };
  sandbox: {
    timeScale: number;
    inboundCallsPerMinute: number;
    seedDemo: boolean;
    demoPassword: string | undefined;
    /** Loopback port of the simulator's HTTP server (Vapi + Twilio subset, control endpoints); 0 picks a free one. */
    port: number;
  };
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  version: string;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Configuration error: ${variable} ${problem}`);
  }
}

export function loadConfig(env: Record<string, string | undefined>, version = '0.0.0'): Config {
  // Empty strings mean "unset" (a blank line in a .env file must not count as a value).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(variable, describeIssue(issue));
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const mode = e.VAPI_API_KEY ? 'vapi' : 'sandbox';

  if (production && !e.PUBLIC_URL) throw new ConfigError('PUBLIC_URL', 'is required in production (vendors post webhooks to it)');
  // Also with Supabase Auth: JWT_SECRET keys the CSRF tokens, which every instance must agree on.
  if (production && !e.JWT_SECRET) {
    throw new ConfigError('JWT_SECRET', 'is required in production (every instance must sign with the same key)');
  }
  // Production fails closed: without a Vapi key the simulator would answer the clinic's phones, and
  // /metrics would be readable by anyone who finds the host.
  if (production && !e.VAPI_API_KEY) {
    throw new ConfigError('VAPI_API_KEY', 'is required in production (without it the built-in telephony sandbox would run)');
  }
  if (production && !e.METRICS_TOKEN) {
    throw new ConfigError('METRICS_TOKEN', 'is required in production (GET /metrics would be public)');
  }
  if (mode === 'vapi' && !e.VAPI_WEBHOOK_SECRET) {
    throw new ConfigError('VAPI_WEBHOOK_SECRET', 'is required when VAPI_API_KEY is set (webhooks must be verified)');
  }
  if (e.SUPABASE_URL && !e.SUPABASE_ANON_KEY) throw new ConfigError('SUPABASE_ANON_KEY', 'is required when SUPABASE_URL is set');
  if ((e.TWILIO_ACCOUNT_SID === undefined) !== (e.TWILIO_AUTH_TOKEN === undefined)) {
    throw new ConfigError(e.TWILIO_ACCOUNT_SID ? 'TWILIO_AUTH_TOKEN' : 'TWILIO_ACCOUNT_SID', 'must be set together with its partner');
  }

  const dataDir = path.resolve(e.DATA_DIR);
  const publicUrl = e.PUBLIC_URL?.replace(/\/+$/, '');
  return {
    env: e.NODE_ENV,
    http: {
      port: e.PORT,
      host: e.HOST,
      publicUrl,
      trustProxy: e.TRUST_PROXY,
      corsOrigins: e.CORS_ORIGIN,
      wsAllowedOrigins: e.WS_ALLOWED_ORIGINS,
      bodyLimitBytes: e.BODY_LIMIT_BYTES,
      authRateLimitPerMinute: e.AUTH_RATE_LIMIT_PER_MINUTE,
      loginBackoffAfterFailures: e.LOGIN_BACKOFF_AFTER_FAILURES,
      loginAccountBackoffAfterAttempts: e.LOGIN_ACCOUNT_BACKOFF_AFTER_ATTEMPTS,
      apiRateLimitPerMinute: e.API_RATE_LIMIT_PER_MINUTE,
      rateLimitRedisPrefix: e.RATE_LIMIT_REDIS_PREFIX,
      metricsToken: e.METRICS_TOKEN,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    },
    dataDir,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX, preparedStatements: e.DATABASE_PREPARED_STATEMENTS }
      : { kind: 'pglite', dir: path.join(dataDir, 'pglite') },
    auth: {
      jwtSecret: e.JWT_SECRET,
      audience: e.JWT_AUDIENCE,
      issuer: e.JWT_ISSUER,
      accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlDays: e.REFRESH_TOKEN_TTL_DAYS,
      supabase: e.SUPABASE_URL ? { url: e.SUPABASE_URL, anonKey: e.SUPABASE_ANON_KEY!, jwtSecret: e.SUPABASE_JWT_SECRET } : undefined,
    },
    redisUrl: e.REDIS_URL,
    live: {
      redisChannel: e.LIVE_REDIS_CHANNEL,
      socketBufferLimitBytes: e.LIVE_SOCKET_BUFFER_LIMIT_BYTES,
      heartbeatIntervalMs: e.LIVE_HEARTBEAT_INTERVAL_MS,
      tokenExpiryWarningSeconds: e.LIVE_TOKEN_EXPIRY_WARNING_SECONDS,
      sessionRecheckMs: e.LIVE_SESSION_RECHECK_MS,
      resumeWaitMs: e.LIVE_RESUME_WAIT_MS,
      catchUpIntervalMs: e.LIVE_CATCHUP_INTERVAL_MS,
      gapFillDelayMs: e.LIVE_GAP_FILL_DELAY_MS,
      socketsPerUser: e.LIVE_SOCKETS_PER_USER,
      retention: {
        minAgeHours: e.LIVE_RETENTION_HOURS,
        minEventsPerClinic: e.LIVE_RETENTION_MIN_EVENTS,
        intervalMinutes: e.LIVE_RETENTION_INTERVAL_MINUTES,
      },
    },
    dataRetentionIntervalMinutes: e.DATA_RETENTION_INTERVAL_MINUTES,
    telephony: {
      mode,
      vapi: {
        apiKey: e.VAPI_API_KEY,
        baseUrl: e.VAPI_BASE_URL.replace(/\/+$/, ''),
        webhookAuth: e.VAPI_WEBHOOK_AUTH,
        webhookSecret: e.VAPI_WEBHOOK_SECRET,
        credentialId: e.VAPI_CREDENTIAL_ID,
        defaultPhoneNumberId: e.VAPI_DEFAULT_PHONE_NUMBER_ID,
        model: { provider: e.VAPI_MODEL_PROVIDER, model: e.VAPI_MODEL },
      },
      twilio: {
        accountSid: e.TWILIO_ACCOUNT_SID,
        authToken: e.TWILIO_AUTH_TOKEN,
        smsFrom: e.TWILIO_SMS_FROM,
        baseUrl: e.TWILIO_BASE_URL.replace(/\/+$/, ''),
      },
      smsBookingTemplate: e.SMS_BOOKING_TEMPLATE,
      testCallsPerMinute: e.TEST_CALL_RATE_LIMIT_PER_MINUTE,
      bookingLimits: { perCall: e.BOOKINGS_PER_CALL_MAX, perCallerPerDay: e.BOOKINGS_PER_CALLER_PER_DAY_MAX },
      defaultCountry: e.CLINIC_DEFAULT_COUNTRY,
      knowledgeMaxBytes: e.KNOWLEDGE_MAX_BYTES,
      knowledgeUploadsPerMinute: e.KNOWLEDGE_UPLOADS_PER_MINUTE,
    },
    webTest: {
      maxSessionSeconds: e.WEB_TEST_MAX_SESSION_SECONDS,
      audioBufferFrames: Math.ceil(e.WEB_TEST_AUDIO_BUFFER_MS / 20),
      startsPerMinute: e.WEB_TEST_STARTS_PER_MINUTE,
      socketsPerUser: e.WEB_TEST_SOCKETS_PER_USER,
    },
    callControl: {
      actionsPerMinute: e.CALL_CONTROL_ACTIONS_PER_MINUTE,
      listenBufferFrames: Math.ceil(e.LISTEN_AUDIO_BUFFER_MS / 20),
      listenTicketSeconds: e.LISTEN_TICKET_SECONDS,
    },
    sandbox: {
      timeScale: e.SANDBOX_TIME_SCALE,
      inboundCallsPerMinute: e.SANDBOX_INBOUND_CALLS_PER_MINUTE,
      // The demo clinic exists only where nothing real is configured.
      seedDemo: (e.SEED_DEMO ?? mode === 'sandbox') && !production,
      demoPassword: e.DEMO_PASSWORD,
      port: e.SANDBOX_PORT,
    },
    logLevel: e.LOG_LEVEL,
    version,
  };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map(String).join(', ')}`;
  if (issue.code === 'invalid_format' && issue.format === 'url') return 'must be a valid URL';
  return `is invalid: ${issue.message}`;
}
