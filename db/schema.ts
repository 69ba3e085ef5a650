import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  real,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

import { defaultExpiry } from '../core/policy.js';
import { CONSORTIUM_STATUSES, ORG_KINDS } from '../core/taxonomy.js';
import type { StoredAnalysis } from './analysis.js';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });
/** A transaction id (`pg_current_xact_id()`), to ask whether a snapshot saw what it committed. */
const xid8 = customType<{ data: string }>({ dataType: () => 'xid8' });
const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};

export const orgKind = pgEnum('org_kind', ORG_KINDS);
export const postStatus = pgEnum('post_status', ['open', 'closed']);
export const digestFrequency = pgEnum('digest_frequency', ['weekly', 'daily', 'off']);
export const feedbackVerdict = pgEnum('feedback_verdict', ['relevant', 'not_relevant']);
export const introductionStatus = pgEnum('introduction_status', ['pending', 'accepted', 'declined', 'expired']);
/** `cancelled`: the person turned digests off between the digest being composed and sent. */
export const digestStatus = pgEnum('digest_status', ['pending', 'sent', 'failed', 'empty', 'cancelled']);

export const organisations = pgTable('organisations', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  kind: orgKind('kind').notNull(),
  country: text('country').notNull(),
  /** The organisation's web site, an http(s) URL; members edit it on the profile. */
  website: text('website'),
  /** A short description for the profile (at most ORGANISATION_DESCRIPTION_MAX characters). */
  description: text('description'),
  ...timestamps,
});

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    email: text('email').notNull(),
    timezone: text('timezone').notNull().default('UTC'),
    digestFrequency: digestFrequency('digest_frequency').notNull().default('weekly'),
    /** ISO weekday, 1 = Monday. */
    digestWeekday: smallint('digest_weekday').notNull().default(1),
    digestHour: smallint('digest_hour').notNull().default(8),
    /** Capabilities and whole areas the person follows: their digest carries common needs and consortia in them. */
    followedCapabilities: text('followed_capabilities')
      .array()
      .notNull()
      .default(sql`'{}'`),
    followedAreas: text('followed_areas')
      .array()
      .notNull()
      .default(sql`'{}'`),
    /**
     * When the person proved they own the email address (they used a link sent to it, or an operator
     * onboarded them). API tokens work only for verified people.
     */
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    index('users_organisation_id_idx').on(t.organisationId),
    index('users_followed_capabilities_idx').using('gin', t.followedCapabilities),
    index('users_followed_areas_idx').using('gin', t.followedAreas),
    uniqueIndex('users_email_key').on(sql`lower(${t.email})`),
    check('users_digest_weekday_check', sql`${t.digestWeekday} between 1 and 7`),
    check('users_digest_hour_check', sql`${t.digestHour} between 0 and 23`),
  ],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** SHA-256 of the token, hex; the token itself is never stored. */
    tokenHash: text('token_hash').notNull(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('api_tokens_user_id_idx').on(t.userId), uniqueIndex('api_tokens_token_hash_key').on(t.tokenHash)],
);

export const capabilityAreas = pgTable('capability_areas', {
  slug: text('slug').primaryKey(),
  name: text('name').notNull(),
  position: smallint('position').notNull(),
});

export const capabilities = pgTable(
  'capabilities',
  {
    slug: text('slug').primaryKey(),
    areaSlug: text('area_slug')
      .notNull()
      .references(() => capabilityAreas.slug),
    name: text('name').notNull(),
    description: text('description').notNull(),
    position: smallint('position').notNull(),
  },
  (t) => [index('capabilities_area_slug_idx').on(t.areaSlug)],
);

/** Columns shared by needs and offerings. */
const postColumns = () => ({
  id: uuid('id').primaryKey().defaultRandom(),
  organisationId: uuid('organisation_id')
    .notNull()
    .references(() => organisations.id, { onDelete: 'cascade' }),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  title: text('title').notNull(),
  description: text('description').notNull(),
  /** Taxonomy slugs; validated against `capabilities` at the edge, GIN-indexed for overlap queries. */
  capabilities: text('capabilities')
    .array()
    .notNull()
    .default(sql`'{}'`),
  /** Areas of the capabilities, derived on save, so that `area` filters use the same index. */
  areas: text('areas')
    .array()
    .notNull()
    .default(sql`'{}'`),
  keywords: text('keywords')
    .array()
    .notNull()
    .default(sql`'{}'`),
  partnershipTypes: text('partnership_types')
    .array()
    .notNull()
    .default(sql`'{}'`),
  regions: text('regions')
    .array()
    .notNull()
    .default(sql`'{}'`),
  status: postStatus('status').notNull().default('open'),
  /**
   * When it leaves the marketplace unless renewed: every post expires. Left out of an insert, the default
   * lifetime from now (core/policy.ts `defaultExpiry`).
   */
  expiresAt: timestamp('expires_at', { withTimezone: true })
    .notNull()
    .$defaultFn(() => defaultExpiry()),
  /**
   * The expiry its owner was last reminded of (EXPIRY_REMINDER_DAYS before it): one reminder per post and
   * expiry date; a renewal sets a new expiry, reminded of in its turn.
   */
  expiryRemindedFor: timestamp('expiry_reminded_for', { withTimezone: true }),
  /** Bumped on every change; matching records the version it finished for. */
  version: integer('version').notNull().default(1),
  matchedVersion: integer('matched_version'),
  matchedAt: timestamp('matched_at', { withTimezone: true }),
  /**
   * How many posts (needs and offerings) the corpus statistics counted when the post was last scored: a
   * post scored when the marketplace was much smaller is scored again (see `listStalePosts`).
   */
  matchedCorpus: integer('matched_corpus'),
  /**
   * The version whose terms the corpus statistics count and whose postings are written: the matching job
   * indexes a saved version (`indexPost`), so that a save never waits on statistics every post shares.
   */
  indexedVersion: integer('indexed_version'),
  /**
   * The transaction that indexed it: a matching job whose search did not see it (`pg_visible_in_snapshot`)
   * keeps the matches it has, which that search could not have found (see `replaceMatches`).
   */
  indexedXact: xid8('indexed_xact'),
  /** The terms the corpus statistics count for this post (those of `indexedVersion`). */
  indexedTerms: text('indexed_terms')
    .array()
    .notNull()
    .default(sql`'{}'`),
  /** The analysed terms of the post (core/text), space-separated: the corpus statistics are counted from these. */
  terms: text('terms').notNull().default(''),
  /** The analysis's length, apart, so that the corpus average is a cheap scan. */
  analysisLength: real('analysis_length')
    .notNull()
    .generatedAlwaysAs(sql`coalesce((analysis->>'length')::real, 0)`),
  /** The analysis itself (term frequencies, length, surface forms), so matching never re-reads the text. */
  analysis: jsonb('analysis')
    .$type<StoredAnalysis>()
    .notNull()
    .default(sql`'{}'::jsonb`),
  /** Plain English full-text vector, for `q` in listings and as the evaluation baseline. */
  search: tsvector('search')
    .notNull()
    .generatedAlwaysAs(
      sql`setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', roadmatch_join_text(keywords)), 'A') || setweight(to_tsvector('english', coalesce(description, '')), 'B')`,
    ),
  ...timestamps,
});

export const needs = pgTable(
  'needs',
  {
    ...postColumns(),
    trlMin: smallint('trl_min').notNull(),
    trlMax: smallint('trl_max').notNull(),
    openTo: orgKind('open_to').array().notNull(),
    anonymous: boolean('anonymous').notNull().default(false),
  },
  (t) => [
    index('needs_organisation_id_idx').on(t.organisationId),
    index('needs_created_by_idx').on(t.createdBy),
    index('needs_created_at_id_idx').on(t.createdAt.desc(), t.id.desc()),
    index('needs_capabilities_idx').using('gin', t.capabilities),
    index('needs_areas_idx').using('gin', t.areas),
    index('needs_search_idx').using('gin', t.search),
    // The few posts whose matching job has not yet indexed their latest version: search reads their terms.
    index('needs_unindexed_idx')
      .on(t.id)
      .where(sql`${t.indexedVersion} is distinct from ${t.version}`),
    // The posts waiting for matching: the sweep and clients waiting on matchedAt read only these.
    index('needs_unmatched_idx')
      .on(t.updatedAt)
      .where(sql`matched_version is distinct from version`),
    // The open posts by expiry: the lifecycle tick reads those about to expire.
    index('needs_open_expires_at_idx')
      .on(t.expiresAt)
      .where(sql`status = 'open'`),
    // Posts scored on a corpus much smaller than today's (listStalePosts): few, found by range.
    index('needs_matched_corpus_idx').on(t.matchedCorpus),
    // The statistics' count and average length, read by index only (not by scanning every post's text).
    index('needs_analysis_length_idx').on(t.analysisLength),
    check(
      'needs_trl_check',
      sql`${t.trlMin} between 1 and 9 and ${t.trlMax} between 1 and 9 and ${t.trlMin} <= ${t.trlMax}`,
    ),
  ],
);

export const offerings = pgTable(
  'offerings',
  {
    ...postColumns(),
    trl: smallint('trl').notNull(),
  },
  (t) => [
    index('offerings_organisation_id_idx').on(t.organisationId),
    index('offerings_created_by_idx').on(t.createdBy),
    index('offerings_created_at_id_idx').on(t.createdAt.desc(), t.id.desc()),
    index('offerings_capabilities_idx').using('gin', t.capabilities),
    index('offerings_areas_idx').using('gin', t.areas),
    index('offerings_search_idx').using('gin', t.search),
    // The few posts whose matching job has not yet indexed their latest version: search reads their terms.
    index('offerings_unindexed_idx')
      .on(t.id)
      .where(sql`${t.indexedVersion} is distinct from ${t.version}`),
    index('offerings_unmatched_idx')
      .on(t.updatedAt)
      .where(sql`matched_version is distinct from version`),
    index('offerings_open_expires_at_idx')
      .on(t.expiresAt)
      .where(sql`status = 'open'`),
    // Posts scored on a corpus much smaller than today's (listStalePosts): few, found by range.
    index('offerings_matched_corpus_idx').on(t.matchedCorpus),
    // The statistics' count and average length, read by index only (not by scanning every post's text).
    index('offerings_analysis_length_idx').on(t.analysisLength),
    check('offerings_trl_check', sql`${t.trl} between 1 and 9`),
  ],
);

/**
 * The terms of each open post with their impact, ordered per term by impact: candidate search reads the
 * first few posts of a handful of terms, so its cost does not grow with the corpus.
 */
const postingColumns = {
  term: text('term').notNull(),
  impact: real('impact').notNull(),
};
export const needTerms = pgTable(
  'need_terms',
  {
    needId: uuid('need_id')
      .notNull()
      .references(() => needs.id, { onDelete: 'cascade' }),
    ...postingColumns,
  },
  (t) => [
    uniqueIndex('need_terms_need_term_key').on(t.needId, t.term),
    index('need_terms_term_impact_idx').on(t.term, t.impact.desc(), t.needId),
  ],
);
export const offeringTerms = pgTable(
  'offering_terms',
  {
    offeringId: uuid('offering_id')
      .notNull()
      .references(() => offerings.id, { onDelete: 'cascade' }),
    ...postingColumns,
  },
  (t) => [
    uniqueIndex('offering_terms_offering_term_key').on(t.offeringId, t.term),
    index('offering_terms_term_impact_idx').on(t.term, t.impact.desc(), t.offeringId),
  ],
);

/** Document frequency of each analysed term on each side, kept current as posts change (BM25 statistics). */
export const termStats = pgTable(
  'term_stats',
  {
    side: text('side', { enum: ['need', 'offering'] }).notNull(),
    term: text('term').notNull(),
    docFreq: integer('doc_freq').notNull(),
  },
  (t) => [uniqueIndex('term_stats_side_term_key').on(t.side, t.term)],
);

export const matches = pgTable(
  'matches',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    needId: uuid('need_id')
      .notNull()
      .references(() => needs.id, { onDelete: 'cascade' }),
    offeringId: uuid('offering_id')
      .notNull()
      .references(() => offerings.id, { onDelete: 'cascade' }),
    score: real('score').notNull(),
    needScore: real('need_score').notNull(),
    offeringScore: real('offering_score').notNull(),
    explanation: jsonb('explanation').notNull(),
    /**
     * SCORING_VERSION of the code that scored it: a worker that scores otherwise rematches on start. No
     * default: a write must say (rows from before versions were recorded are 1, migration 0022).
     */
    scoringVersion: smallint('scoring_version').notNull(),
    ...timestamps,
  },
  (t) => [
    // The pair key also serves the need_id foreign key; the score index serves offering_id's.
    uniqueIndex('matches_need_offering_key').on(t.needId, t.offeringId),
    index('matches_need_score_idx').on(t.needId, t.score.desc()),
    index('matches_offering_score_idx').on(t.offeringId, t.score.desc()),
  ],
);

/** Feedback is kept per pair, not per match row, so that a rematch cannot bring back a rejected pair. */
export const matchFeedback = pgTable(
  'match_feedback',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    needId: uuid('need_id')
      .notNull()
      .references(() => needs.id, { onDelete: 'cascade' }),
    offeringId: uuid('offering_id')
      .notNull()
      .references(() => offerings.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    verdict: feedbackVerdict('verdict').notNull(),
    reason: text('reason'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('match_feedback_pair_org_key').on(t.needId, t.offeringId, t.organisationId),
    index('match_feedback_offering_id_idx').on(t.offeringId),
    index('match_feedback_organisation_id_idx').on(t.organisationId),
    index('match_feedback_user_id_idx').on(t.userId),
  ],
);

export const digests = pgTable(
  'digests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The user's period, e.g. `2026-W48` (weekly) or `2026-11-26` (daily), in their timezone. */
    period: text('period').notNull(),
    status: digestStatus('status').notNull().default('pending'),
    messageId: text('message_id'),
    error: text('error'),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [uniqueIndex('digests_user_period_key').on(t.userId, t.period)],
);

/**
 * The pairs a digest holds. A pair is written once per user, ever: the unique key is what guarantees that
 * no match is sent to a person twice, whatever retries or rematches happen.
 */
export const digestItems = pgTable(
  'digest_items',
  {
    digestId: uuid('digest_id')
      .notNull()
      .references(() => digests.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    needId: uuid('need_id')
      .notNull()
      .references(() => needs.id, { onDelete: 'cascade' }),
    offeringId: uuid('offering_id')
      .notNull()
      .references(() => offerings.id, { onDelete: 'cascade' }),
    /** Order in the email, best first. */
    position: smallint('position').notNull(),
    score: real('score').notNull(),
  },
  (t) => [
    // Leads with user_id, so it also serves that foreign key.
    uniqueIndex('digest_items_user_pair_key').on(t.userId, t.needId, t.offeringId),
    index('digest_items_digest_id_idx').on(t.digestId),
    index('digest_items_need_id_idx').on(t.needId),
    index('digest_items_offering_id_idx').on(t.offeringId),
  ],
);

export const introductions = pgTable(
  'introductions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /**
     * The two posts and the two organisations: each null once it is deleted (a post deleted, an organisation
     * gone with its last member). The introduction stays with the other side, showing "a former member" and a
     * withdrawn post; a pending one is closed as expired (db/queries/introductions.ts `closeIntroductionsOf`).
     */
    needId: uuid('need_id').references(() => needs.id, { onDelete: 'set null' }),
    offeringId: uuid('offering_id').references(() => offerings.id, { onDelete: 'set null' }),
    /** Null once the person who asked has deleted their account: the introduction stays, "a former member". */
    requesterId: uuid('requester_id').references(() => users.id, { onDelete: 'set null' }),
    requesterOrganisationId: uuid('requester_organisation_id').references(() => organisations.id, {
      onDelete: 'set null',
    }),
    recipientOrganisationId: uuid('recipient_organisation_id').references(() => organisations.id, {
      onDelete: 'set null',
    }),
    responderId: uuid('responder_id').references(() => users.id, { onDelete: 'set null' }),
    message: text('message').notNull(),
    status: introductionStatus('status').notNull().default('pending'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    remindedAt: timestamp('reminded_at', { withTimezone: true }),
    /** The status whose emails have gone out; behind `status` means an email is still owed. */
    notifiedStatus: introductionStatus('notified_status'),
    /** When the reminder's email went out. */
    remindNotifiedAt: timestamp('remind_notified_at', { withTimezone: true }),
    respondedAt: timestamp('responded_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    index('introductions_need_id_idx').on(t.needId),
    index('introductions_offering_id_idx').on(t.offeringId),
    index('introductions_requester_id_idx').on(t.requesterId),
    index('introductions_requester_organisation_id_idx').on(t.requesterOrganisationId),
    index('introductions_recipient_organisation_id_idx').on(t.recipientOrganisationId),
    index('introductions_responder_id_idx').on(t.responderId),
    // The introductions tick looks for pending requests by age.
    index('introductions_pending_expires_idx')
      .on(t.expiresAt)
      .where(sql`status = 'pending'`),
    // One live request per pair: a second ask while one is pending or accepted is a conflict.
    uniqueIndex('introductions_open_pair_key')
      .on(t.needId, t.offeringId)
      .where(sql`status in ('pending', 'accepted')`),
  ],
);

/**
 * Each introduction email that went out (or was refused for good), one per introduction, event and person,
 * committed as it is sent: a retry after a failure part-way sends only the emails still owed.
 */
export const introductionEmails = pgTable(
  'introduction_emails',
  {
    introductionId: uuid('introduction_id')
      .notNull()
      .references(() => introductions.id, { onDelete: 'cascade' }),
    /** request, reminder, accepted, declined or expired */
    event: text('event').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    messageId: text('message_id').notNull(),
    /** The mail server's permanent refusal, when there was one. */
    error: text('error'),
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('introduction_emails_key').on(t.introductionId, t.event, t.userId),
    index('introduction_emails_user_id_idx').on(t.userId),
  ],
);

/** Web sessions: the cookie holds a random token, only its SHA-256 is stored. */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('sessions_token_hash_key').on(t.tokenHash), index('sessions_user_id_idx').on(t.userId)],
);

/** One-time sign-in links: the emailed link is signed and names this row, which it may use once. */
export const signinLinks = pgTable(
  'signin_links',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    /** Set when a newer link was issued for the same person, or another of their links was used. */
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('signin_links_user_id_idx').on(t.userId)],
);

/**
 * A signup waiting for its owner to click the link emailed to the address: nothing else exists for the
 * address until then. The organisation and the user are made from `request` when the link is used.
 */
export const signupRequests = pgTable(
  'signup_requests',
  {
    id: uuid('id').primaryKey(),
    email: text('email').notNull(),
    /** The signup body as validated: `{ organisation: {name, kind, country}, user: {name, email, timezone} }`. */
    request: jsonb('request').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    /** Set when a newer link was sent to the same address, or the address was registered another way. */
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('signup_requests_email_idx').on(sql`lower(${t.email})`),
    index('signup_requests_expires_at_idx').on(t.expiresAt),
  ],
);

/**
 * An invitation to join an organisation, emailed to an address: the link names this row, works until
 * `expiresAt` and once. One pending invitation per organisation and address: inviting it again re-sends
 * (a new `sendCount`, a later expiry) rather than adding another.
 */
export const organisationInvitations = pgTable(
  'organisation_invitations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /** How many times the invitation was sent: each send is its own email job. */
    sendCount: integer('send_count').notNull().default(1),
    /**
     * The last send (`sendCount`) the worker finished: emailed, or found owed no email (the address has an
     * account). Below `sendCount` the email is owed, and the introductions tick queues it again.
     */
    emailedSendCount: integer('emailed_send_count').notNull().default(0),
    lastSentAt: timestamp('last_sent_at', { withTimezone: true }).notNull().defaultNow(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    /** The person who joined by it. */
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    /** Cancelled by a member, or moot: the address joined Roadmatch another way. */
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('organisation_invitations_organisation_id_idx').on(t.organisationId),
    index('organisation_invitations_invited_by_idx').on(t.invitedBy),
    index('organisation_invitations_user_id_idx').on(t.userId),
    index('organisation_invitations_email_idx').on(sql`lower(${t.email})`),
    uniqueIndex('organisation_invitations_pending_key')
      .on(t.organisationId, sql`lower(${t.email})`)
      .where(sql`used_at is null and cancelled_at is null`),
  ],
);

/** Stored first answers of POSTs sent with an `Idempotency-Key`. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The caller: a user's id, `signup:<address>` for a signup, `admin` for the operator. */
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    responseStatus: smallint('response_status'),
    responseBody: jsonb('response_body'),
    /** The `Location` of the first answer, given again with it. */
    responseLocation: text('response_location'),
    /**
     * While the first request runs (no response yet): until when it holds the key. A request with the same
     * key before then answers 409; after it (the process died) the key may be taken over.
     */
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('idempotency_keys_scope_key_key').on(t.scope, t.key),
    index('idempotency_keys_created_at_idx').on(t.createdAt),
  ],
);

/**
 * Two open needs of different organisations that describe the same problem, kept with their similarity and
 * why. One row per pair, the smaller id first.
 */
export const commonNeeds = pgTable(
  'common_needs',
  {
    needA: uuid('need_a')
      .notNull()
      .references(() => needs.id, { onDelete: 'cascade' }),
    needB: uuid('need_b')
      .notNull()
      .references(() => needs.id, { onDelete: 'cascade' }),
    similarity: real('similarity').notNull(),
    explanation: jsonb('explanation').notNull(),
    ...timestamps,
  },
  (t) => [
    // The key leads with need_a, so it serves that foreign key; need_b has its own index.
    primaryKey({ name: 'common_needs_pkey', columns: [t.needA, t.needB] }),
    index('common_needs_need_b_idx').on(t.needB),
    check('common_needs_order_check', sql`${t.needA} < ${t.needB}`),
  ],
);

/**
 * Groups of common needs from two or more organisations; each open need is in at most one. A group keeps
 * its id while it keeps most of its needs, so that links and digests can name it. Its title and tags are
 * set when it is regrouped; how many needs and organisations it has is counted when read, over live needs.
 */
export const commonNeedGroups = pgTable(
  'common_need_groups',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The title of the need most like the others of the group. */
    title: text('title').notNull(),
    capabilities: text('capabilities')
      .array()
      .notNull()
      .default(sql`'{}'`),
    areas: text('areas')
      .array()
      .notNull()
      .default(sql`'{}'`),
    ...timestamps,
  },
  (t) => [
    index('common_need_groups_capabilities_idx').using('gin', t.capabilities),
    index('common_need_groups_areas_idx').using('gin', t.areas),
  ],
);

/**
 * Needs whose common-need pairs changed since they were last grouped. Matching writes pairs and marks the
 * needs; one regrouping job at a time takes the marks and regroups what they touch, apart from matching so
 * that no save waits for it.
 */
export const commonNeedDirty = pgTable('common_need_dirty', {
  needId: uuid('need_id')
    .primaryKey()
    .references(() => needs.id, { onDelete: 'cascade' }),
  markedAt: timestamp('marked_at', { withTimezone: true }).notNull().defaultNow(),
});

export const commonNeedGroupMembers = pgTable(
  'common_need_group_members',
  {
    groupId: uuid('group_id')
      .notNull()
      .references(() => commonNeedGroups.id, { onDelete: 'cascade' }),
    needId: uuid('need_id')
      .notNull()
      .references(() => needs.id, { onDelete: 'cascade' }),
  },
  (t) => [
    uniqueIndex('common_need_group_members_need_key').on(t.needId),
    index('common_need_group_members_group_id_idx').on(t.groupId),
  ],
);

export const consortiumStatus = pgEnum('consortium_status', CONSORTIUM_STATUSES);
export const invitationStatus = pgEnum('consortium_invitation_status', ['pending', 'accepted', 'declined']);

/** A pre-competitive consortium on common needs, under the charter every member accepts. */
export const consortia = pgTable(
  'consortia',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    title: text('title').notNull(),
    scope: text('scope').notNull(),
    capabilities: text('capabilities')
      .array()
      .notNull()
      .default(sql`'{}'`),
    areas: text('areas')
      .array()
      .notNull()
      .default(sql`'{}'`),
    status: consortiumStatus('status').notNull().default('forming'),
    convenerOrganisationId: uuid('convener_organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    activatedAt: timestamp('activated_at', { withTimezone: true }),
    /** When every member was emailed the members' names and contacts; null while owed. */
    activationNotifiedAt: timestamp('activation_notified_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    index('consortia_convener_organisation_id_idx').on(t.convenerOrganisationId),
    index('consortia_created_by_idx').on(t.createdBy),
    index('consortia_capabilities_idx').using('gin', t.capabilities),
    index('consortia_areas_idx').using('gin', t.areas),
    index('consortia_created_at_id_idx').on(t.createdAt.desc(), t.id.desc()),
  ],
);

export const consortiumNeeds = pgTable(
  'consortium_needs',
  {
    consortiumId: uuid('consortium_id')
      .notNull()
      .references(() => consortia.id, { onDelete: 'cascade' }),
    needId: uuid('need_id')
      .notNull()
      .references(() => needs.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ name: 'consortium_needs_pkey', columns: [t.consortiumId, t.needId] }),
    index('consortium_needs_need_id_idx').on(t.needId),
  ],
);

/** Members, each having accepted a version of the charter; a member who left keeps its row with `leftAt`. */
export const consortiumMembers = pgTable(
  'consortium_members',
  {
    consortiumId: uuid('consortium_id')
      .notNull()
      .references(() => consortia.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    joinedBy: uuid('joined_by').references(() => users.id, { onDelete: 'set null' }),
    charterVersion: text('charter_version').notNull(),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull().defaultNow(),
    leftAt: timestamp('left_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ name: 'consortium_members_pkey', columns: [t.consortiumId, t.organisationId] }),
    index('consortium_members_organisation_id_idx').on(t.organisationId),
    index('consortium_members_joined_by_idx').on(t.joinedBy),
  ],
);

/**
 * An invitation names the need or offering it was made for, never only the organisation: an anonymous
 * need's owner is invited without being revealed to whoever invites it.
 */
export const consortiumInvitations = pgTable(
  'consortium_invitations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    consortiumId: uuid('consortium_id')
      .notNull()
      .references(() => consortia.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    needId: uuid('need_id').references(() => needs.id, { onDelete: 'set null' }),
    offeringId: uuid('offering_id').references(() => offerings.id, { onDelete: 'set null' }),
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
    status: invitationStatus('status').notNull().default('pending'),
    /** The invitation email has gone to the invited organisation's people. */
    notifiedAt: timestamp('notified_at', { withTimezone: true }),
    respondedAt: timestamp('responded_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('consortium_invitations_consortium_id_idx').on(t.consortiumId),
    index('consortium_invitations_organisation_id_idx').on(t.organisationId),
    index('consortium_invitations_need_id_idx').on(t.needId),
    index('consortium_invitations_offering_id_idx').on(t.offeringId),
    index('consortium_invitations_invited_by_idx').on(t.invitedBy),
    // One open invitation per post: an organisation invited through two of its posts has two (one per
    // post would otherwise tell the inviter that an anonymous need belongs to an organisation already asked).
    uniqueIndex('consortium_invitations_pending_need_key')
      .on(t.consortiumId, t.needId)
      .where(sql`status = 'pending' and need_id is not null`),
    uniqueIndex('consortium_invitations_pending_offering_key')
      .on(t.consortiumId, t.offeringId)
      .where(sql`status = 'pending' and offering_id is not null`),
  ],
);

/**
 * Every action on a consortium, with who and when. Append-only: a trigger (migration 0009) refuses UPDATE
 * and DELETE except those made by the foreign keys' own actions.
 */
export const consortiumLog = pgTable(
  'consortium_log',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    consortiumId: uuid('consortium_id')
      .notNull()
      .references(() => consortia.id, { onDelete: 'cascade' }),
    /** created, invited, joined, charter-accepted, declined, left, activated, closed */
    action: text('action').notNull(),
    organisationId: uuid('organisation_id').references(() => organisations.id, { onDelete: 'set null' }),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    /** Names as they were at the time, and what the action was about (charter version, need or offering). */
    detail: jsonb('detail').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('consortium_log_consortium_id_seq_idx').on(t.consortiumId, t.seq),
    index('consortium_log_organisation_id_idx').on(t.organisationId),
    index('consortium_log_user_id_idx').on(t.userId),
  ],
);

/** Text saved after its author acknowledged a competitively-sensitive warning, for the operator to review. */
export const sensitiveFlags = pgTable(
  'sensitive_flags',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    /** need, offering, introduction or consortium */
    subjectType: text('subject_type').notNull(),
    subjectId: uuid('subject_id').notNull(),
    field: text('field').notNull(),
    phrase: text('phrase').notNull(),
    category: text('category').notNull(),
    reason: text('reason').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('sensitive_flags_organisation_id_idx').on(t.organisationId),
    index('sensitive_flags_user_id_idx').on(t.userId),
    index('sensitive_flags_created_at_id_idx').on(t.createdAt.desc(), t.id.desc()),
  ],
);

/**
 * Community news a digest carried to a person, once each: a common-need group or a consortium they follow,
 * or another organisation's need common to one of theirs.
 */
export const digestNotices = pgTable(
  'digest_notices',
  {
    digestId: uuid('digest_id')
      .notNull()
      .references(() => digests.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** common-group, consortium or common-need */
    kind: text('kind').notNull(),
    subjectId: uuid('subject_id').notNull(),
  },
  (t) => [
    uniqueIndex('digest_notices_user_subject_key').on(t.userId, t.kind, t.subjectId),
    index('digest_notices_digest_id_idx').on(t.digestId),
  ],
);

/**
 * Emails owed to each person once, by what they are about (`consortium-invitation.ID`,
 * `consortium-active.ID`): recorded as each goes, so that a retry after a failure part-way sends only those
 * still owed.
 */
export const sentEmails = pgTable(
  'sent_emails',
  {
    key: text('key').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    messageId: text('message_id').notNull(),
    /** The mail server's permanent refusal, when there was one. */
    error: text('error'),
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'sent_emails_pkey', columns: [t.key, t.userId] }),
    index('sent_emails_user_id_idx').on(t.userId),
  ],
);

/**
 * Full rematches, with the size of the corpus each one scored on: every post's matches were rebuilt then,
 * so a post counts as scored on at least that corpus (see `listStalePosts`).
 */
export const rematches = pgTable('rematches', {
  id: uuid('id').primaryKey(),
  corpusSize: integer('corpus_size').notNull(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  /** When it was prepared, then when a chunk of it last finished: the sweep leaves its needs to it meanwhile. */
  progressAt: timestamp('progress_at', { withTimezone: true }).notNull().defaultNow(),
});
