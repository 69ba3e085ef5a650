import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, configWarnings, loadConfig } from '../../config.js';

describe('configuration', () => {
  it('serves a local machine with no variables set', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/roadmatch',
      redisUrl: 'redis://127.0.0.1:6379',
      port: 3000,
      publicUrl: 'http://localhost:3000',
      queuePrefix: '{roadmatch}',
      outboxDir: 'outbox',
      smtpUrl: undefined,
    });
  });

  it('writes the queue prefix as a Redis Cluster hash tag whether or not it was given as one', () => {
    expect(loadConfig({ QUEUE_PREFIX: 'rm' }).queuePrefix).toBe('{rm}');
    expect(loadConfig({ QUEUE_PREFIX: '{rm}' }).queuePrefix).toBe('{rm}');
  });

  it('names each bad value with a clear message', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ DATABASE_URL: 'mysql://x', PORT: 'eighty', SMTP_URL: 'http://mail', REDIS_URL: 'nope' });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const lines = error!.problems.join('\n');
    expect(lines).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
    expect(lines).toMatch(/PORT: must be a port number/);
    expect(lines).toMatch(/SMTP_URL: must be an smtp/);
    expect(lines).toMatch(/REDIS_URL: must be a redis/);
  });

  it('limits abuse by default, each limit set by its own variable, and RATE_LIMITS=off lifts them all', () => {
    expect(loadConfig({}).rateLimits).toEqual({ enabled: true, perAddress: 10, perIp: 30, tokens: 10, writes: 120 });
    expect(
      loadConfig({
        RATE_LIMIT_PER_ADDRESS: '3',
        RATE_LIMIT_PER_IP: '50',
        RATE_LIMIT_TOKENS: '2',
        RATE_LIMIT_WRITES: '9',
      }).rateLimits,
    ).toEqual({ enabled: true, perAddress: 3, perIp: 50, tokens: 2, writes: 9 });
    expect(loadConfig({ RATE_LIMITS: 'off' }).rateLimits.enabled).toBe(false);
    let error: ConfigError | undefined;
    try {
      loadConfig({ RATE_LIMITS: 'maybe', RATE_LIMIT_PER_ADDRESS: '0', RATE_LIMIT_WRITES: 'lots' });
    } catch (e) {
      error = e as ConfigError;
    }
    const lines = error!.problems.join('\n');
    expect(lines).toMatch(/RATE_LIMITS: must be on or off/);
    expect(lines).toMatch(/RATE_LIMIT_PER_ADDRESS: must be from 1 to 100000/);
    expect(lines).toMatch(/RATE_LIMIT_WRITES: must be a whole number of requests a minute/);
  });

  it('requires APP_SECRET in production, and a long one', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/APP_SECRET: is required when NODE_ENV=production/);
    expect(() => loadConfig({ NODE_ENV: 'production', APP_SECRET: 'short' })).toThrow(/at least 32/);
    expect(loadConfig({ NODE_ENV: 'production', APP_SECRET: 'x'.repeat(40) }).appSecret).toBe('x'.repeat(40));
  });
});

describe('docker-compose.yml', () => {
  // Compose reads YAML merge keys (`<<: *app-env`).
  const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true });
  /** The variables of the committed example of the uncommitted .env that api and worker read. */
  const envExample = Object.fromEntries(
    readFileSync(new URL('../../.env.example', import.meta.url), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

  it('has the services of the design', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'mailpit', 'postgres', 'redis', 'worker']);
  });

  it.each(['api', 'worker'])('gives %s a valid configuration naming only known variables', (name) => {
    const env = compose.services[name].environment as Record<string, string>;
    for (const key of [...Object.keys(env), ...Object.keys(envExample)]) expect(CONFIG_VARIABLES).toContain(key);
    // The secret is not in the committed file: it comes from .env, without which production refuses to start.
    expect(env.APP_SECRET).toBeUndefined();
    expect(compose.services[name].env_file).toEqual([{ path: '.env', required: true }]);
    expect(Object.keys(envExample)).toContain('APP_SECRET');
    expect(() => loadConfig(env)).toThrow(/APP_SECRET/);
    const config = loadConfig({ ...env, APP_SECRET: 'a-secret-of-the-operators-own-0123456789' });
    expect(new URL(config.databaseUrl).hostname).toBe('postgres');
    expect(new URL(config.redisUrl).hostname).toBe('redis');
    expect(new URL(config.smtpUrl!).hostname).toBe('mailpit');
    // The services it names are the ones compose starts, and it waits for them.
    expect(Object.keys(compose.services[name].depends_on).sort()).toEqual(['postgres', 'redis']);
  });

  it('runs the roles that main.ts knows', () => {
    expect(compose.services.api.command).toEqual(['node', 'dist/main.js', 'api']);
    expect(compose.services.worker.command).toEqual(['node', 'dist/main.js', 'worker']);
    const port = Number(compose.services.api.environment.PORT);
    expect(compose.services.api.ports).toContain(`${port}:${port}`);
  });

  it('restarts every service unless stopped, checks the health of api and worker, and pins its images', () => {
    for (const service of Object.values(compose.services) as { restart?: string; image?: string }[]) {
      expect(service.restart).toBe('unless-stopped');
      if (service.image) expect(service.image).not.toMatch(/:latest$|^[^:]+$/);
    }
    expect(compose.services.api.healthcheck.test.join(' ')).toContain('/readyz');
    // The worker's health is its metrics server's: the port compose gives it.
    const worker = compose.services.worker;
    expect(worker.healthcheck.test.join(' ')).toContain(`:${worker.environment.METRICS_PORT}/healthz`);
  });

  it('gives PostgreSQL the password the services connect with', () => {
    const url = new URL(compose.services.api.environment.DATABASE_URL);
    expect(url.password).toBe(compose.services.postgres.environment.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${compose.services.postgres.environment.POSTGRES_DB}`);
  });
});

describe('configuration warnings', () => {
  it('warns when PUBLIC_URL is plain http in production, and not otherwise', () => {
    const base = { APP_SECRET: 'x'.repeat(32), NODE_ENV: 'production' };
    expect(configWarnings(loadConfig({ ...base, PUBLIC_URL: 'http://roadmatch.example' }))).toEqual([
      expect.stringContaining('PUBLIC_URL is plain http'),
    ]);
    expect(configWarnings(loadConfig({ ...base, PUBLIC_URL: 'https://roadmatch.example' }))).toEqual([]);
    expect(configWarnings(loadConfig({ PUBLIC_URL: 'http://localhost:3000' }))).toEqual([]);
  });
});
