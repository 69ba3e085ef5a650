/**
 * `npm run demo`: loads a small demo marketplace through the API into the configured database (each
 * organisation onboarded by the operator endpoint, which answers its first person's API token), waits for
 * matching, sends its own people's digests now (nobody else in the database gets one), and prints where to
 * read the emails. Run it on the local defaults (emails go to ./outbox as .eml files), or with SMTP_URL set
 * (Mailpit in docker compose). Running it again sends nothing new: the data is loaded once, and digests go
 * once per period.
 */
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { pino } from 'pino';
import { startApi } from '../api/server.js';
import { loadConfig } from '../config.js';
import { connectDatabase } from '../db/client.js';
import { prepareDatabase } from '../db/migrate.js';
import { startWorker } from '../worker/index.js';
import { matchingQueue, notificationsQueue, producerConnection } from '../worker/queues.js';
import { cliProgram, exitOnError, isMainModule, seconds } from './cli.js';
import { DEMO } from './demo-data.js';
import { DEFAULT_STALL_SECONDS, runDigests } from './digest.js';
import { apiClient, waitForMatching } from './harness.js';

async function main() {
  const program = cliProgram(
    'npm run demo --',
    'Loads a small demo marketplace through the API into the configured database, waits for matching and ' +
      "sends the demo organisations' people their digests now (nobody else's); running it again sends nothing new.",
  )
    .option(
      '--stall-timeout <seconds>',
      'give up (exit code 1) when no digest has finished for this long',
      seconds,
      DEFAULT_STALL_SECONDS,
    )
    .parse();
  const { stallTimeout } = program.opts<{ stallTimeout: number }>();
  const base = loadConfig();
  // The demo onboards its organisations as an operator would (POST /v1/admin/organisations), with
  // ADMIN_TOKEN when it is set and a token of its own for this run otherwise.
  const config = { ...base, port: 0, adminToken: base.adminToken ?? randomBytes(24).toString('hex') };
  await prepareDatabase(config.databaseUrl);
  const db = connectDatabase(config.databaseUrl, { max: 10 + config.workerConcurrency + config.mailConcurrency });
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  const worker = await startWorker({ config, logger, db: db.db });
  const redis = producerConnection(config.redisUrl);
  const queues = {
    matchingQueue: matchingQueue(redis, config.queuePrefix),
    notificationsQueue: notificationsQueue(redis, config.queuePrefix),
  };
  const api = await startApi({ config, logger, db: db.db, redis, ...queues });
  try {
    const url = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
    const bar = process.stdout.isTTY
      ? new SingleBar({ format: 'loading {bar} {value}/{total} organisations' }, Presets.shades_classic)
      : undefined;
    if (!bar) console.log(`loading ${DEMO.length} demo organisations…`);
    bar?.start(DEMO.length, 0);
    const tokens = await loadDemo(url, config.adminToken, () => bar?.increment());
    bar?.stop();
    if (tokens.length > 0) {
      console.log(`loaded ${tokens.length} demo organisations through the API; their API tokens (shown once):`);
      console.table(tokens);
    } else {
      console.log('the demo data was already loaded (its tokens were printed by the first run)');
    }
    process.stdout.write('matching… ');
    await waitForMatching(db, 120_000);
    const [counts] = await db.sql<{ matches: number }[]>`select count(*)::int as matches from matches`;
    console.log(`${counts!.matches} matches`);

    if (tokens.length === DEMO.length) await formConsortium(url, tokens);

    // Only the demo's own people: the configured database may hold real users.
    const demoUsers = await db.sql<{ id: string }[]>`
      select id from users where lower(email) = any(${DEMO.map((org) => org.user.email.toLowerCase())}::text[])`;
    console.log(`sending the digests of the ${demoUsers.length} demo people…`);
    const s = await runDigests(config, db, {
      everyone: true,
      users: demoUsers.map((u) => u.id),
      ownWorker: false,
      progress: process.stdout.isTTY,
      stallSeconds: stallTimeout,
    });
    console.log(`digests: ${s.sent} sent, ${s.empty} with nothing new, ${s.failed} refused`);
    if (config.smtpUrl) {
      console.log(
        `the emails went to the SMTP server at ${s.destination} (with docker compose: Mailpit, http://localhost:8025)`,
      );
    } else {
      const folder = resolve(config.outboxDir);
      const files = (await readdir(folder).catch(() => [])).filter((f) => f.endsWith('.eml'));
      console.log(`the emails are .eml files in ${folder} (${files.length} there); open one in any mail program`);
    }
    console.log('explore with a token above, e.g. GET /v1/needs/{id}/matches; the service itself: npm start');
  } finally {
    await api.close();
    await worker.close();
    await queues.matchingQueue.close();
    await queues.notificationsQueue.close();
    redis.disconnect();
    await db.close();
  }
}

/**
 * Loads the demo organisations through the API: each onboarded by the operator endpoint (`adminToken`),
 * then its needs, offerings and follows posted with its person's token. Answers the tokens of those it
 * loaded; one loaded by an earlier run is skipped. `onOrganisation` is called before each organisation.
 */
export async function loadDemo(
  url: string,
  adminToken: string,
  onOrganisation: () => void = () => {},
): Promise<DemoToken[]> {
  const tokens: DemoToken[] = [];
  for (const org of DEMO) {
    onOrganisation();
    const onboarded = await fetch(`${url}/v1/admin/organisations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ organisation: org.organisation, user: org.user }),
    });
    if (onboarded.status === 409) continue; // loaded by an earlier run
    if (!onboarded.ok)
      throw new Error(`onboarding of ${org.organisation.name} answered ${onboarded.status}: ${await onboarded.text()}`);
    const { token } = (await onboarded.json()) as { token: string };
    const as = apiClient(url, token);
    for (const need of org.needs ?? []) await as('POST', '/v1/needs', need);
    for (const offering of org.offerings ?? []) await as('POST', '/v1/offerings', offering);
    if (org.follows) await as('PUT', '/v1/me/follows', org.follows);
    tokens.push({ organisation: org.organisation.name, email: org.user.email, token });
  }
  return tokens;
}

export interface DemoToken {
  organisation: string;
  email: string;
  token: string;
}

/**
 * The pre-competitive part of the demo, through the API as its users would do it: the common need three
 * biomanufacturers wrote in their own words; one of them proposes a consortium on it, accepting the charter;
 * it invites the others by their needs (the anonymous one stays anonymous) and a lab that fits; each joins
 * by accepting the charter, and the consortium becomes active. Answers the consortium's id (none when the
 * demo has no common need).
 */
export async function formConsortium(
  url: string,
  tokens: { organisation: string; token: string }[],
): Promise<string | undefined> {
  const as = (name: string) => apiClient(url, tokens.find((t) => t.organisation === name)!.token);
  const convener = as('Helvetia Biopharma');
  const groups = await convener<{
    items: { id: string; title: string; organisationCount: number; needs: { id: string; mine: boolean }[] }[];
  }>('GET', '/v1/common-needs');
  console.log(`common needs: ${groups.items.length} group(s)`);
  for (const g of groups.items) console.log(`  "${g.title}": ${g.organisationCount} organisations`);
  const group = groups.items.find((g) => g.needs.some((n) => n.mine));
  if (!group) return;
  const charter = await convener<{ version: string }>('GET', '/v1/charter');
  const consortium = await convener<{ id: string; title: string }>('POST', '/v1/consortia', {
    title: 'Rapid sterility release for short shelf-life products',
    scope:
      'Agree common requirements and a shared validation protocol for rapid sterility methods, and pool method-comparison data, so that each member can file a rapid release method with its regulator.',
    needIds: group.needs.filter((n) => n.mine).map((n) => n.id),
    acceptCharter: true,
    charterVersion: charter.version,
  });
  const suggestions = await convener<{
    needs: { need: { id: string } }[];
    offerings: { offering: { id: string; organisation: { name: string } } }[];
  }>('GET', `/v1/consortia/${consortium.id}/suggestions`);
  for (const s of suggestions.needs)
    await convener('POST', `/v1/consortia/${consortium.id}/invitations`, { needId: s.need.id });
  const lab = suggestions.offerings.find((s) => s.offering.organisation.name === 'QuickMicro Diagnostics');
  if (lab) await convener('POST', `/v1/consortia/${consortium.id}/invitations`, { offeringId: lab.offering.id });
  for (const name of ['Kestrel Cell Therapies', 'Aurora Radiopharma', 'QuickMicro Diagnostics']) {
    await as(name)('POST', `/v1/consortia/${consortium.id}/join`, {
      acceptCharter: true,
      charterVersion: charter.version,
    });
  }
  const formed = await convener<{ status: string; members: { organisation: { name: string } }[] }>(
    'GET',
    `/v1/consortia/${consortium.id}`,
  );
  console.log(
    `consortium "${consortium.title}": ${formed.status}, members ${formed.members.map((m) => m.organisation.name).join(', ')}`,
  );
  return consortium.id;
}

if (isMainModule(import.meta.url)) main().catch(exitOnError);
