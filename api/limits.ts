import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { tooManyRequests } from './problem.js';

/**
 * Limits on abuse, counted in Redis (rate-limiter-flexible) so that every API process shares them, in fixed
 * windows of a minute. Keys live under the queue prefix's hash tag, like the queues. While Redis is away
 * each process counts in memory instead, so the limits still hold, per process.
 */
export type LimitName = 'address' | 'ip' | 'tokens' | 'writes';

const WHAT: Record<LimitName, string> = {
  address: 'Too many sign-up, sign-in and invitation requests for this email address',
  ip: 'Too many sign-up, sign-in, invitation and new-token requests from your network address',
  tokens: 'Too many new API tokens for this person',
  writes: 'Too many changes with this token or session',
};

export interface Limits {
  /** Counts one request against each `[limit, key]`; a 429 problem (with `Retry-After`) when one is spent. */
  consume(...checks: [LimitName, string][]): Promise<void>;
}

const WINDOW_SECONDS = 60;

const made = new WeakMap<object, Limits>();

/** The limits of an app's dependencies, made on first use. */
export function limitsFor(deps: { config: Pick<Config, 'rateLimits' | 'queuePrefix'>; redis: Redis }): Limits {
  let limits = made.get(deps);
  if (!limits) made.set(deps, (limits = createLimits(deps.config, deps.redis)));
  return limits;
}

export function createLimits(config: Pick<Config, 'rateLimits' | 'queuePrefix'>, redis: Redis): Limits {
  const { rateLimits } = config;
  if (!rateLimits.enabled) return { consume: async () => {} };
  const points: Record<LimitName, number> = {
    address: rateLimits.perAddress,
    ip: rateLimits.perIp,
    tokens: rateLimits.tokens,
    writes: rateLimits.writes,
  };
  const limiters = Object.fromEntries(
    (Object.keys(points) as LimitName[]).map((name) => {
      const options = { points: points[name], duration: WINDOW_SECONDS };
      const limiter: RateLimiterAbstract = new RateLimiterRedis({
        ...options,
        storeClient: redis,
        keyPrefix: `${config.queuePrefix}:rl:${name}`,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ ...options, keyPrefix: `rl:${name}` }),
      });
      return [name, limiter];
    }),
  ) as Record<LimitName, RateLimiterAbstract>;

  return {
    async consume(...checks) {
      for (const [name, key] of checks) {
        try {
          await limiters[name].consume(key.toLowerCase());
        } catch (err) {
          if (!(err instanceof RateLimiterRes)) throw err;
          const seconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
          throw tooManyRequests(seconds, `${WHAT[name]}. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`);
        }
      }
    },
  };
}
