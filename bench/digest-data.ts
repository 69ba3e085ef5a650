import type postgres from 'postgres';
import { defaultExpiry } from '../core/policy.js';
import { SCORING_VERSION } from '../core/matching/index.js';

/** A realistic stored explanation: what a digest item shows. */
const EXPLANATION = {
  capabilities: [{ slug: 'imrr.spectroscopic-pat', name: 'Spectroscopic process analytical technology' }],
  terms: ['Raman', 'glucose', 'fed-batch'],
  trl: { offering: 7, needMin: 5, needMax: 8, fit: 'within' },
  partnershipTypes: ['pilot'],
  summary:
    'Matched on Raman, glucose, fed-batch; both in Spectroscopic process analytical technology; TRL 7 within 5-8; pilot.',
};

/**
 * Digest recipients with matches, written straight into the database (digests read matches, not text):
 * half biomanufacturers with one need each, half suppliers with one offering each, and each need matched
 * with `perPost` offerings, so every recipient has `perPost` matches. Every tenth need is anonymous.
 * Users are named `seed-NNNNN-bio@example.com` and `seed-NNNNN-sup@example.com`.
 */
export async function seedDigestAudience(sql: postgres.Sql, recipients: number, perPost = 3): Promise<void> {
  const half = Math.floor(recipients / 2);
  await sql.begin(async (tx) => {
    await tx`
      insert into organisations (name, kind, country)
      select 'Seed ' || k || ' ' || lpad(g::text, 5, '0'), k::org_kind, 'GB'
      from generate_series(1, ${half}) g, unnest(array['biomanufacturer', 'supplier']) k`;
    await tx`
      insert into users (organisation_id, name, email, timezone)
      select id, 'Person at ' || name,
        'seed-' || split_part(name, ' ', 3) || '-' || left(split_part(name, ' ', 2), 3) || '@example.com',
        'Europe/London'
      from organisations where name like 'Seed %'`;
    await tx`
      insert into needs (organisation_id, created_by, title, description, capabilities, trl_min, trl_max,
        open_to, anonymous, partnership_types, expires_at, matched_version, matched_at)
      select o.id, u.id, 'In-line Raman glucose control, line ' || split_part(o.name, ' ', 3),
        'Raman spectroscopy for glucose feedback control in fed-batch culture.', '{imrr.spectroscopic-pat}', 5, 8,
        '{supplier,academic}', split_part(o.name, ' ', 3)::int % 10 = 0, '{pilot}', ${defaultExpiry().toISOString()}::timestamptz, 1, now()
      from organisations o join users u on u.organisation_id = o.id
      where o.name like 'Seed biomanufacturer %'`;
    await tx`
      insert into offerings (organisation_id, created_by, title, description, capabilities, trl,
        partnership_types, expires_at, matched_version, matched_at)
      select o.id, u.id, 'Raman probes and models, series ' || split_part(o.name, ' ', 3),
        'Steam-sterilisable Raman probes with glucose models.', '{imrr.spectroscopic-pat}', 7, '{pilot}', ${defaultExpiry().toISOString()}::timestamptz, 1, now()
      from organisations o join users u on u.organisation_id = o.id
      where o.name like 'Seed supplier %'`;
    await tx`
      insert into matches (need_id, offering_id, score, need_score, offering_score, explanation, scoring_version)
      select n.id, f.id, 0.9 - k * 0.1, 0.9, 0.9, ${JSON.stringify(EXPLANATION)}::jsonb, ${SCORING_VERSION}
      from (select id, split_part(title, ' ', 6)::int as i from needs where title like 'In-line Raman glucose control, line %') n
      cross join generate_series(0, ${perPost - 1}) k
      join (select id, split_part(title, ' ', 6)::int as i from offerings where title like 'Raman probes and models, series %') f
        on f.i = ((n.i - 1 + k) % ${half}) + 1`;
  });
  // As autovacuum would soon: without statistics the planner scans every need per digest.
  await sql`analyze organisations, users, needs, offerings, matches`;
}
