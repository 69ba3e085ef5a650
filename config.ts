import { z } from 'zod';

/** A limit: how many a minute, from 1 to 100,000. */
const perMinute = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a whole number of requests a minute, from 1 to 100000' })
    .int('must be a whole number of requests a minute, from 1 to 100000')
    .min(1, 'must be from 1 to 100000 (RATE_LIMITS=off turns every limit off)')
    .max(100_000, 'must be from 1 to 100000')
    .default(fallback);

/** Every setting the API and the worker read, parsed once at start. */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' })
    .default('postgres://postgres@127.0.0.1:5432/roadmatch'),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// URL' }).default('redis://127.0.0.1:6379'),
  PORT: z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .default(3000),
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }).optional(),
  APP_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
  MAIL_FROM: z.string().min(3).default('Roadmatch <digest@roadmatch.localhost>'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^\{?[A-Za-z0-9:_-]+\}?$/, 'may hold only letters, digits, ":", "_" and "-", optionally inside {braces}')
    .default('roadmatch'),
  OUTBOX_DIR: z.string().min(1).default('outbox'),
  WORKER_CONCURRENCY: z.coerce
    .number({ error: 'must be a whole number from 1 to 64' })
    .int('must be a whole number from 1 to 64')
    .min(1, 'must be from 1 to 64')
    .max(64, 'must be from 1 to 64')
    .default(4),
  MAIL_CONCURRENCY: z.coerce
    .number({ error: 'must be a whole number from 1 to 64' })
    .int('must be a whole number from 1 to 64')
    .min(1, 'must be from 1 to 64')
    .max(64, 'must be from 1 to 64')
    .default(8),
  ADMIN_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  RATE_LIMITS: z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'),
  RATE_LIMIT_PER_ADDRESS: perMinute(10),
  RATE_LIMIT_PER_IP: perMinute(30),
  RATE_LIMIT_TOKENS: perMinute(10),
  RATE_LIMIT_WRITES: perMinute(120),
  METRICS_PORT: z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 65535')
    .max(65535, 'must be between 1 and 65535')
    .optional(),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  databaseUrl: string;
  redisUrl: string;
  port: number;
  publicUrl: string;
  /** Signs tokens in links; a fixed development value is used outside production. */
  appSecret: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  /** BullMQ prefix in Redis Cluster hash-tag form, e.g. `{roadmatch}`. */
  queuePrefix: string;
  outboxDir: string;
  logLevel: string;
  /** Jobs one worker process runs at once. */
  workerConcurrency: number;
  /** Digests and introduction emails one worker process sends at once. */
  mailConcurrency: number;
  /** Bearer token of the operator endpoints under /v1/admin; unset disables them. */
  adminToken: string | undefined;
  /** Where a worker run alone serves its /metrics; unset: it serves none (the API serves them under `all`). */
  metricsPort: number | undefined;
  /** Bearer token /metrics asks for; unset: /metrics is open (keep it off the public network). */
  metricsToken: string | undefined;
  /** Limits on abuse, each a number of requests a minute; `enabled: false` (RATE_LIMITS=off) lifts them all. */
  rateLimits: RateLimits;
}

export interface RateLimits {
  enabled: boolean;
  /** Signups and sign-in requests for one email address (each sends an email to it). */
  perAddress: number;
  /** Signups, sign-in requests and new API tokens from one client IP address. */
  perIp: number;
  /** New API tokens of one person. */
  tokens: number;
  /** Writes (POST, PUT, PATCH, DELETE) with one API token or web session. */
  writes: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const DEVELOPMENT_SECRET = 'roadmatch-development-secret-not-for-production';

export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set", as in docker-compose files with `VAR=`.
  const env = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  // Checked apart from the schema so that it is reported together with any other problem.
  if (env.NODE_ENV === 'production' && !env.APP_SECRET)
    problems.push('APP_SECRET: is required when NODE_ENV=production');
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const prefix = e.QUEUE_PREFIX.replace(/^\{|\}$/g, '');
  return {
    env: e.NODE_ENV,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    appSecret: e.APP_SECRET ?? DEVELOPMENT_SECRET,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    queuePrefix: `{${prefix}}`,
    outboxDir: e.OUTBOX_DIR,
    logLevel: e.LOG_LEVEL,
    adminToken: e.ADMIN_TOKEN,
    workerConcurrency: e.WORKER_CONCURRENCY,
    mailConcurrency: e.MAIL_CONCURRENCY,
    metricsPort: e.METRICS_PORT,
    metricsToken: e.METRICS_TOKEN,
    rateLimits: {
      enabled: e.RATE_LIMITS === 'on',
      perAddress: e.RATE_LIMIT_PER_ADDRESS,
      perIp: e.RATE_LIMIT_PER_IP,
      tokens: e.RATE_LIMIT_TOKENS,
      writes: e.RATE_LIMIT_WRITES,
    },
  };
}

/** The names of the variables, for the docker-compose consistency test and the README. */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape);

/** What is legal but unwise in a configuration, for a warning at start. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.env === 'production' && config.publicUrl.startsWith('http://'))
    warnings.push(
      `PUBLIC_URL is plain http (${config.publicUrl}) under NODE_ENV=production: sign-in links and session cookies travel unencrypted`,
    );
  return warnings;
}
