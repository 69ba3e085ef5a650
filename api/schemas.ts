import { z } from 'zod';
import {
  expiryRefusal,
  INTRODUCTION_MESSAGE_MAX,
  OFFERING_POSTING_KINDS,
  ORGANISATION_DESCRIPTION_MAX,
  POST_LIFETIME_MONTHS,
  POST_MAX_LIFETIME_MONTHS,
} from '../core/policy.js';
import {
  AREAS,
  CAPABILITIES,
  capabilitySlugOf,
  CONSORTIUM_STATUSES,
  ORG_KINDS,
  PARTNERSHIP_TYPES,
  type OrgKind,
  unknownCapabilityMessage,
} from '../core/taxonomy.js';

/** Request and response shapes of the public API: they validate requests and generate the OpenAPI document. */

const AREA_SLUGS = new Set<string>(AREAS.map((a) => a.slug));

const text = (min: number, max: number) =>
  z
    .string()
    .trim()
    .min(min, `must be at least ${min} character${min === 1 ? '' : 's'}`)
    .max(max, `must be at most ${max} characters`)
    // PostgreSQL text cannot hold NUL; say so rather than fail on the way in.
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');

/** A list of distinct values, order kept; repeats are a client slip, not an error. */
const distinct = <T extends z.ZodType>(item: T, max: number) =>
  z
    .array(item)
    .max(max, `must hold at most ${max} items`)
    .transform((xs) => [...new Set(xs)] as z.infer<T>[]);

export const OrgKindSchema = z.enum(ORG_KINDS, {
  error: `must be one of ${ORG_KINDS.join(', ')}`,
});
export const PartnershipTypeSchema = z.enum(PARTNERSHIP_TYPES, {
  error: `must be one of ${PARTNERSHIP_TYPES.join(', ')}`,
});
export const CapabilitySlugSchema = z
  .string({ error: 'must be a capability slug or name' })
  .transform((s, ctx) => {
    const slug = capabilitySlugOf(s);
    if (slug !== undefined) return slug;
    ctx.issues.push({ code: 'custom', input: s, message: unknownCapabilityMessage(s) });
    return z.NEVER;
  })
  .meta({
    description:
      'A capability of the roadmap taxonomy by its slug, e.g. `imrr.spectroscopic-pat`, or its display name, e.g. ' +
      '`Spectroscopic process analytical technology` (case and British or American spelling do not matter); ' +
      'answered as the slug.',
  });
export const AreaSlugSchema = z
  .string()
  .refine((s) => AREA_SLUGS.has(s), { error: `must be one of ${[...AREA_SLUGS].join(', ')}` });
const TrlSchema = z
  .number({ error: 'must be a whole number from 1 to 9' })
  .int('must be a whole number from 1 to 9')
  .min(1, 'must be from 1 to 9')
  .max(9, 'must be from 1 to 9');
/** A post's expiry: in the future, at most POST_MAX_LIFETIME_MONTHS ahead (core/policy.ts `expiryRefusal`). */
const ExpiryDate = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time with a timezone, e.g. 2027-06-30T00:00:00Z' })
  .transform((s) => new Date(s))
  .superRefine((d, ctx) => {
    const refusal = expiryRefusal(d);
    if (refusal) ctx.addIssue({ code: 'custom', message: refusal });
  });
const EXPIRY_RULE = `in the future and at most ${POST_MAX_LIFETIME_MONTHS} months ahead`;
const Timezone = z.string().refine(isTimeZone, { error: 'must be an IANA timezone such as Europe/London' });

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** A moment in an answer: ISO 8601 in UTC, as `Date.toISOString` writes it. */
const Timestamp = z.iso.datetime();

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().meta({ description: 'Stable machine-readable code, e.g. `validation_failed`.' }),
    detail: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    flags: z
      .array(z.object({ field: z.string(), phrase: z.string(), category: z.string(), reason: z.string() }))
      .optional()
      .meta({ description: 'With `competitively_sensitive`: each phrase flagged, where, and why.' }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details.' });

// ---------- signup, users, tokens ----------

export const SignupBody = z
  .strictObject({
    organisation: z.strictObject({
      name: text(1, 200),
      kind: OrgKindSchema,
      country: z
        .string()
        .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as GB')
        .transform((c) => c.toUpperCase()),
    }),
    user: z.strictObject({
      name: text(1, 200),
      email: z.email('must be an email address').max(320),
      timezone: Timezone.default('UTC'),
    }),
  })
  .meta({ id: 'SignupRequest' });

export const OrganisationSchema = z
  .object({ id: z.uuid(), name: z.string(), kind: OrgKindSchema, country: z.string() })
  .meta({ id: 'Organisation' });
export const UserSchema = z
  .object({ id: z.uuid(), name: z.string(), email: z.string(), timezone: z.string(), organisationId: z.uuid() })
  .meta({ id: 'User' });
export const TokenSchema = z
  .object({ id: z.uuid(), name: z.string(), createdAt: Timestamp, lastUsedAt: Timestamp.nullable() })
  .meta({ id: 'Token' });
export const NewTokenSchema = TokenSchema.extend({
  token: z.string().meta({ description: 'The secret; shown only in this answer.' }),
}).meta({ id: 'NewToken' });
export const SignupAccepted = z
  .object({
    status: z.literal('verification-sent').meta({
      description: 'A link is on its way to the address; the same answer whether or not it is registered.',
    }),
  })
  .meta({ id: 'SignupAccepted' });
export const OnboardingResponse = z
  .object({
    organisation: OrganisationSchema,
    user: UserSchema,
    token: z.string().meta({ description: "The person's first API token; shown only in this answer." }),
  })
  .meta({ id: 'OnboardingResponse' });
export const TokenBody = z.strictObject({ name: text(1, 100).default('API token') }).meta({ id: 'TokenRequest' });

// ---------- organisations: profile, members, invitations ----------

const isWebAddress = (s: string) => {
  try {
    const url = new URL(s);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.includes('.');
  } catch {
    return false;
  }
};
/** Empty text clears an optional profile field. */
const orNull = <T extends z.ZodType<string>>(schema: T) =>
  z.union([z.literal('').transform(() => null), schema, z.null()]);

export const OrganisationPatchBody = z
  .strictObject({
    name: text(1, 200),
    kind: OrgKindSchema.meta({
      description: 'Fixed after signup (it decides what the organisation may post): only its current kind is accepted.',
    }),
    country: SignupBody.shape.organisation.shape.country,
    website: orNull(
      z
        .string()
        .trim()
        .max(300, 'must be at most 300 characters')
        .refine(isWebAddress, 'must be a web address starting with http:// or https://, such as https://example.com'),
    ).meta({ description: 'An http(s) address; null or empty clears it.' }),
    description: orNull(text(1, ORGANISATION_DESCRIPTION_MAX)).meta({
      description: `What the organisation does, in a few sentences (at most ${ORGANISATION_DESCRIPTION_MAX} characters); null or empty clears it.`,
    }),
  })
  .partial()
  .meta({ id: 'OrganisationUpdate' });

export const OrganisationProfileSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: OrgKindSchema,
    country: z.string(),
    website: z.string().nullable(),
    description: z.string().nullable(),
    member: z.boolean().meta({ description: 'Whether you are a member of it.' }),
    members: z.array(
      z.object({
        id: z.uuid(),
        name: z.string(),
        email: z.string().optional().meta({ description: 'Shown to fellow members only.' }),
      }),
    ),
    needs: z.array(z.object({ id: z.uuid(), title: z.string() })).meta({
      description: 'Its live needs; an anonymous need is listed to its own members only.',
    }),
    offerings: z.array(z.object({ id: z.uuid(), title: z.string() })).meta({ description: 'Its live offerings.' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'OrganisationProfile' });

export const OrganisationInvitationBody = z
  .strictObject({ email: z.email('must be an email address').max(320, 'must be at most 320 characters') })
  .meta({ id: 'OrganisationInvitationRequest' });

export const OrganisationInvitationSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    status: z
      .enum(['pending', 'expired'])
      .meta({ description: 'An expired invitation is sent again by inviting again.' }),
    invitedBy: z.object({ name: z.string() }).nullable(),
    sendCount: z.number().int().meta({ description: 'How many times it was emailed: inviting again re-sends it.' }),
    expiresAt: Timestamp,
    lastSentAt: Timestamp,
    createdAt: Timestamp,
  })
  .meta({ id: 'OrganisationInvitation' });
export const OrganisationInvitationList = z
  .object({ items: z.array(OrganisationInvitationSchema) })
  .meta({ id: 'OrganisationInvitationList' });

export const OrganisationInvitationParams = z.object({
  id: z.uuid('must be a UUID'),
  invitationId: z.uuid('must be a UUID'),
});
export const OrganisationMemberParams = z.object({ id: z.uuid('must be a UUID'), userId: z.uuid('must be a UUID') });

// ---------- capabilities ----------

export const CapabilitySchema = z
  .object({ slug: z.string(), name: z.string(), description: z.string() })
  .meta({ id: 'Capability' });
export const CapabilitiesResponse = z
  .object({ areas: z.array(z.object({ slug: z.string(), name: z.string(), capabilities: z.array(CapabilitySchema) })) })
  .meta({ id: 'Capabilities' });

// ---------- the guardrail ----------

export const AcknowledgeSensitive = z.boolean({ error: 'must be true or false' }).optional().meta({
  description:
    'Set to true to save text that the competitive-sensitivity screen flagged (422 `competitively_sensitive`); the text is then flagged for the operator.',
});

export const SensitiveFlagSchema = z
  .object({
    field: z.string(),
    phrase: z.string().meta({ description: 'The words flagged, as written.' }),
    category: z.string(),
    reason: z.string(),
  })
  .meta({ id: 'SensitiveFlag' });

export const CharterSchema = z
  .object({ version: z.string(), text: z.string() })
  .meta({ id: 'Charter', description: 'The pre-competitive charter every consortium member accepts.' });

// ---------- needs and offerings ----------

/** The fields as a PATCH takes them: all optional, none defaulted, so an absent field stays as it is. */
const postFields = {
  title: text(3, 200),
  description: text(1, 10_000),
  capabilities: distinct(CapabilitySlugSchema, 12),
  keywords: distinct(text(1, 60), 20),
  partnershipTypes: distinct(PartnershipTypeSchema, PARTNERSHIP_TYPES.length),
  regions: distinct(text(1, 60), 20),
  expiresAt: ExpiryDate.meta({
    description: `When it leaves the marketplace unless renewed: ${EXPIRY_RULE}. Every post expires.`,
  }),
};
/** The same fields as a create takes them, with the defaults of an absent field. */
const postCreateFields = {
  ...postFields,
  capabilities: postFields.capabilities.default([]),
  keywords: postFields.keywords.default([]),
  partnershipTypes: postFields.partnershipTypes.default([]),
  regions: postFields.regions.default([]),
  expiresAt: postFields.expiresAt.optional().meta({
    description: `When it leaves the marketplace unless renewed: ${EXPIRY_RULE}; by default ${POST_LIFETIME_MONTHS} months after posting.`,
  }),
};

/** The kinds a need may be introduced to: those that register offerings. */
const OfferingKindSchema = z.enum(OFFERING_POSTING_KINDS as [OrgKind, ...OrgKind[]], {
  error: `must be one of ${OFFERING_POSTING_KINDS.join(', ')}`,
});
const OpenTo = distinct(OfferingKindSchema, OFFERING_POSTING_KINDS.length).refine(
  (xs) => xs.length > 0,
  'must name at least one organisation kind',
);

const trlOrder = (v: { trlMin?: number; trlMax?: number }, ctx: z.RefinementCtx) => {
  if (v.trlMin !== undefined && v.trlMax !== undefined && v.trlMin > v.trlMax) {
    ctx.addIssue({ code: 'custom', path: ['trlMax'], message: 'must be at least trlMin' });
  }
};

export const NeedCreateBody = z
  .strictObject({
    ...postCreateFields,
    trlMin: TrlSchema,
    trlMax: TrlSchema,
    openTo: OpenTo.default(['supplier', 'academic']),
    anonymous: z.boolean({ error: 'must be true or false' }).default(false),
    acknowledgeSensitive: AcknowledgeSensitive,
  })
  .superRefine(trlOrder)
  .meta({ id: 'NeedCreate' });

const statusField = { status: z.enum(['open', 'closed'], { error: 'must be open or closed' }) };

export const NeedPatchBody = z
  .strictObject({
    ...postFields,
    trlMin: TrlSchema,
    trlMax: TrlSchema,
    openTo: OpenTo,
    anonymous: z.boolean({ error: 'must be true or false' }),
    ...statusField,
    acknowledgeSensitive: AcknowledgeSensitive,
  })
  .partial()
  .superRefine(trlOrder)
  .meta({ id: 'NeedPatch' });

/** A renewal: only the expiry moves (a closed post is refused: reopen it first). */
export const RenewBody = z
  .strictObject({
    expiresAt: postFields.expiresAt.optional().meta({
      description: `The new expiry: ${EXPIRY_RULE}; by default ${POST_LIFETIME_MONTHS} months from now.`,
    }),
  })
  .meta({ id: 'PostRenew' });

export const OfferingCreateBody = z
  .strictObject({ ...postCreateFields, trl: TrlSchema, acknowledgeSensitive: AcknowledgeSensitive })
  .meta({ id: 'OfferingCreate' });
export const OfferingPatchBody = z
  .strictObject({ ...postFields, trl: TrlSchema, ...statusField, acknowledgeSensitive: AcknowledgeSensitive })
  .partial()
  .meta({ id: 'OfferingPatch' });

const postResponseFields = {
  id: z.uuid(),
  title: z.string(),
  description: z.string(),
  capabilities: z.array(z.string()),
  keywords: z.array(z.string()),
  partnershipTypes: z.array(z.string()),
  regions: z.array(z.string()),
  status: z.enum(['open', 'closed']),
  expiresAt: Timestamp.meta({
    description:
      'When it leaves the marketplace unless renewed (`POST .../renew`): every post expires. Once past, only its own organisation sees it.',
  }),
  organisation: OrganisationSchema.nullable().meta({
    description: 'Null when the need is anonymous and the viewer is not of its organisation.',
  }),
  mine: z.boolean().meta({ description: "Whether the post belongs to the viewer's organisation." }),
  matchedAt: Timestamp.nullable().meta({
    description: 'When matching last finished for the current version; null while it is pending.',
  }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
};
export const NeedSchema = z
  .object({
    ...postResponseFields,
    trlMin: z.number().int(),
    trlMax: z.number().int(),
    openTo: z.array(OrgKindSchema),
    anonymous: z.boolean(),
  })
  .meta({ id: 'Need' });
export const OfferingSchema = z.object({ ...postResponseFields, trl: z.number().int() }).meta({ id: 'Offering' });

export const IdParams = z.object({ id: z.uuid('must be a UUID') });

export const ListQuery = z.strictObject({
  q: text(1, 200).optional().meta({
    description:
      'Search through the thesaurus over title, keywords and description: every part must be found; "PAT" finds "process analytical technology". OR, -word and "phrases" work.',
  }),
  capability: CapabilitySlugSchema.optional(),
  area: AreaSlugSchema.optional().meta({ description: 'One of the six roadmap areas, e.g. `pt`.' }),
  organisationKind: OrgKindSchema.optional(),
  trl: z.coerce
    .number({ error: 'must be a whole number from 1 to 9' })
    .pipe(TrlSchema)
    .optional()
    .meta({ description: 'A technology readiness level: needs whose TRL range holds it, offerings at it.' }),
  status: z.enum(['open', 'closed'], { error: 'must be open or closed' }).default('open'),
  mine: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .transform((v) => v === 'true')
    .optional()
    .meta({ description: "Only the viewer's organisation's posts." }),
  limit: z.coerce
    .number({ error: 'must be a number from 1 to 100' })
    .int('must be a whole number')
    .min(1, 'must be from 1 to 100')
    .max(100, 'must be from 1 to 100')
    .default(20),
  cursor: z.string().max(200).optional().meta({ description: 'The `nextCursor` of the previous page.' }),
});

export const page = <T extends z.ZodType>(item: T, id: string) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() }).meta({ id });
export const NeedPage = page(NeedSchema, 'NeedPage');
export const OfferingPage = page(OfferingSchema, 'OfferingPage');

// ---------- matches ----------

export const ExplanationSchema = z
  .object({
    capabilities: z.array(z.object({ slug: z.string(), name: z.string() })),
    terms: z.array(z.string()).meta({ description: 'The terms that matched, as the posts wrote them.' }),
    trl: z.object({
      offering: z.number().int(),
      needMin: z.number().int(),
      needMax: z.number().int(),
      fit: z.enum(['within', 'near', 'outside']),
    }),
    partnershipTypes: z.array(z.string()),
    summary: z.string().meta({ description: 'One line a person can read.' }),
  })
  .meta({ id: 'MatchExplanation' });

export const MatchSchema = z
  .object({
    id: z.uuid(),
    score: z.number().min(0).max(1).meta({
      description:
        "What matches are ranked by: the pair's relevance (text, capabilities, TRL) weighed by how many of the need's partnership types the offering offers.",
    }),
    need: NeedSchema,
    offering: OfferingSchema,
    explanation: ExplanationSchema,
    feedback: z.enum(['relevant', 'not_relevant']).nullable().meta({ description: "Your organisation's verdict." }),
    createdAt: Timestamp,
  })
  .meta({ id: 'Match' });
export const MatchPage = page(MatchSchema, 'MatchPage');

export const MatchListQuery = z.strictObject({
  limit: ListQuery.shape.limit,
  cursor: ListQuery.shape.cursor,
});

export const FeedbackBody = z
  .strictObject({
    verdict: z.enum(['relevant', 'not_relevant'], { error: 'must be relevant or not_relevant' }),
    reason: text(1, 1000).optional(),
  })
  .meta({ id: 'FeedbackRequest' });
export const FeedbackSchema = z
  .object({ matchId: z.uuid(), verdict: z.enum(['relevant', 'not_relevant']), reason: z.string().nullable() })
  .meta({ id: 'Feedback' });

// ---------- the signed-in user ----------

export const DigestSettingsSchema = z
  .object({
    frequency: z.enum(['weekly', 'daily', 'off']),
    weekday: z.number().int().min(1).max(7).meta({ description: 'ISO weekday of weekly digests, 1 = Monday.' }),
    hour: z.number().int().min(0).max(23).meta({ description: 'Local hour at which digests are sent.' }),
    timezone: z.string().meta({ description: 'IANA timezone, e.g. Europe/London.' }),
  })
  .meta({ id: 'DigestSettings' });

export const DigestSettingsBody = z
  .strictObject({
    frequency: z.enum(['weekly', 'daily', 'off'], { error: 'must be weekly, daily or off' }),
    weekday: z
      .number({ error: 'must be a whole number from 1 (Monday) to 7 (Sunday)' })
      .int('must be a whole number from 1 (Monday) to 7 (Sunday)')
      .min(1, 'must be from 1 (Monday) to 7 (Sunday)')
      .max(7, 'must be from 1 (Monday) to 7 (Sunday)'),
    hour: z
      .number({ error: 'must be a whole hour from 0 to 23' })
      .int('must be a whole hour from 0 to 23')
      .min(0, 'must be from 0 to 23')
      .max(23, 'must be from 0 to 23'),
    timezone: Timezone,
  })
  .partial()
  .meta({ id: 'DigestSettingsUpdate' });

export const MeSchema = z.object({ user: UserSchema, organisation: OrganisationSchema }).meta({ id: 'Me' });

export const DigestPreviewSchema = z
  .object({
    nextDigestAt: Timestamp.nullable().meta({ description: 'When the next digest is due; null when digests are off.' }),
    items: z.array(MatchSchema).meta({ description: 'What it would hold if sent now; empty means no email.' }),
  })
  .meta({ id: 'DigestPreview' });

// ---------- introductions ----------

export const IntroductionBody = z
  .strictObject({
    message: text(1, INTRODUCTION_MESSAGE_MAX).meta({
      description: 'A short note to the other side: who you are and what you hope for.',
    }),
    acknowledgeSensitive: AcknowledgeSensitive,
  })
  .meta({ id: 'IntroductionRequest' });

const PersonSchema = z.object({
  name: z.string().meta({ description: '"a former member" once the person has deleted their account' }),
  email: z.string().nullable().meta({ description: 'Null once the person has deleted their account.' }),
  organisation: OrganisationSchema.nullable().meta({
    description:
      'Null once the organisation has left Roadmatch (its last member deleted their account); the person is then "a former member".',
  }),
});

export const IntroductionSchema = z
  .object({
    id: z.uuid(),
    status: z.enum(['pending', 'accepted', 'declined', 'expired']),
    direction: z.enum(['sent', 'received']).meta({ description: 'Whether your organisation asked or was asked.' }),
    message: z.string().meta({
      description:
        'The requester’s note. Empty once the organisation that wrote it has left Roadmatch (its last member deleted their account); kept when only its writer left.',
    }),
    need: z
      .object({
        id: z.uuid(),
        title: z.string(),
        organisation: OrganisationSchema.nullable().meta({
          description: 'Null while the need is anonymous to you: it is revealed when the introduction is accepted.',
        }),
      })
      .nullable()
      .meta({
        description:
          'Null once the need is withdrawn: deleted, or gone with its organisation. The introduction stays; a pending one is closed as expired.',
      }),
    offering: z.object({ id: z.uuid(), title: z.string(), organisation: OrganisationSchema }).nullable().meta({
      description:
        'Null once the offering is withdrawn: deleted, or gone with its organisation. The introduction stays; a pending one is closed as expired.',
    }),
    matchId: z.uuid().nullable().meta({ description: 'Null once the match is gone (a declined pair is removed).' }),
    summary: z.string().nullable().meta({ description: 'Why the pair matched, in one line.' }),
    requester: z.object({ name: z.string() }).nullable().meta({
      description:
        'Who asked ("a former member" once they deleted their account); null while that would reveal an anonymous need.',
    }),
    contacts: z
      .object({ requester: PersonSchema, responder: PersonSchema })
      .nullable()
      .meta({ description: 'Both people, with their emails, once the introduction is accepted.' }),
    expiresAt: Timestamp,
    respondedAt: Timestamp.nullable(),
    createdAt: Timestamp,
  })
  .meta({ id: 'Introduction' });
export const IntroductionPage = page(IntroductionSchema, 'IntroductionPage');

export const IntroductionListQuery = z.strictObject({
  direction: z.enum(['sent', 'received'], { error: 'must be sent or received' }).optional(),
  status: z
    .enum(['pending', 'accepted', 'declined', 'expired'], { error: 'must be pending, accepted, declined or expired' })
    .optional(),
  limit: ListQuery.shape.limit,
  cursor: ListQuery.shape.cursor,
});

// ---------- common needs ----------

export const CommonExplanationSchema = z
  .object({
    capabilities: z.array(z.object({ slug: z.string(), name: z.string() })),
    terms: z.array(z.string()).meta({ description: 'The terms both needs share, as each wrote them.' }),
    trl: z.object({
      min: z.number().int(),
      max: z.number().int(),
      otherMin: z.number().int(),
      otherMax: z.number().int(),
      overlap: z.boolean(),
    }),
    partnershipTypes: z.array(z.string()),
    summary: z.string().meta({ description: 'One line a person can read.' }),
  })
  .meta({ id: 'CommonNeedExplanation' });

export const CommonNeedSchema = z
  .object({
    need: NeedSchema,
    similarity: z.number().min(0).max(1),
    explanation: CommonExplanationSchema,
  })
  .meta({ id: 'CommonNeed' });
export const CommonNeedPage = page(CommonNeedSchema, 'CommonNeedPage');

export const CommonNeedGroupSchema = z
  .object({
    id: z.uuid(),
    title: z.string().meta({ description: 'The title of the need most like the others.' }),
    capabilities: z.array(z.string()),
    needs: z.array(NeedSchema).meta({ description: 'Anonymous needs keep organisation null.' }),
    needCount: z.number().int(),
    organisationCount: z.number().int(),
    offeringCount: z.number().int().meta({ description: 'Live offerings matched to any need of the group.' }),
    consortium: z.uuid().nullable().meta({ description: 'A consortium working on these needs, if any.' }),
  })
  .meta({ id: 'CommonNeedGroup' });
export const CommonNeedGroupPage = page(CommonNeedGroupSchema, 'CommonNeedGroupPage');

export const CommonNeedGroupQuery = z.strictObject({
  capability: CapabilitySlugSchema.optional(),
  area: AreaSlugSchema.optional().meta({ description: 'One of the six roadmap areas, e.g. `imrr`.' }),
  limit: ListQuery.shape.limit,
  cursor: ListQuery.shape.cursor,
});

// ---------- follows ----------

export const FollowsSchema = z
  .object({ capabilities: z.array(z.string()), areas: z.array(z.string()) })
  .meta({ id: 'Follows' });
export const FollowsBody = z
  .strictObject({
    capabilities: distinct(CapabilitySlugSchema, CAPABILITIES.length).default([]),
    areas: distinct(AreaSlugSchema, AREAS.length).default([]),
  })
  .meta({ id: 'FollowsUpdate' });

// ---------- consortia ----------

const ConsortiumStatusSchema = z.enum(CONSORTIUM_STATUSES, {
  error: `must be one of ${CONSORTIUM_STATUSES.join(', ')}`,
});

export const ConsortiumCreateBody = z
  .strictObject({
    title: text(3, 200),
    scope: text(10, 5000).meta({ description: 'What the consortium works on: the pre-competitive scope.' }),
    needIds: distinct(z.uuid('must be a need id'), 50).refine((xs) => xs.length > 0, 'must name at least one need'),
    capabilities: distinct(CapabilitySlugSchema, 12).default([]),
    acceptCharter: z
      .boolean({ error: 'must be true or false' })
      .optional()
      .meta({ description: 'Must be true: the convener accepts the charter (GET /v1/charter) as first member.' }),
    charterVersion: z.string().max(40).optional(),
    acknowledgeSensitive: AcknowledgeSensitive,
  })
  .meta({ id: 'ConsortiumCreate' });

export const InvitationBody = z
  .strictObject({
    needId: z.uuid('must be a need id').optional(),
    offeringId: z.uuid('must be an offering id').optional(),
  })
  .superRefine((v, ctx) => {
    if ((v.needId === undefined) === (v.offeringId === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['needId'], message: 'give exactly one of needId or offeringId' });
    }
  })
  .meta({ id: 'InvitationRequest' });

export const JoinBody = z
  .strictObject({
    acceptCharter: z.boolean({ error: 'must be true or false' }).optional(),
    charterVersion: z
      .string()
      .max(40)
      .optional()
      .meta({ description: 'The version of the charter accepted, as GET /v1/charter gives it.' }),
    invitationId: z
      .uuid('must be an invitation id')
      .optional()
      .meta({ description: 'Which of your invitations you answer (`you.invitation.id`); the oldest when left out.' }),
  })
  .meta({ id: 'JoinRequest' });

const MemberSchema = z.object({
  organisation: OrganisationSchema,
  joinedAt: Timestamp,
  charterVersion: z.string(),
  convener: z.boolean(),
  contacts: z.array(z.object({ name: z.string(), email: z.string() })),
});

export const ConsortiumSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    scope: z.string(),
    capabilities: z.array(z.string()),
    status: ConsortiumStatusSchema,
    needs: z.array(
      z.object({ id: z.uuid(), title: z.string(), organisation: OrganisationSchema.nullable() }).meta({
        description: 'Organisation null when anonymous to you.',
      }),
    ),
    memberCounts: z
      .record(z.string(), z.number().int())
      .meta({ description: 'Members per organisation kind, for everyone to see.' }),
    members: z
      .array(MemberSchema)
      .nullable()
      .meta({ description: "Members' names and contacts: shown to members only, null to anyone else." }),
    you: z.object({
      member: z.boolean(),
      convener: z.boolean(),
      invitation: z
        .object({ id: z.uuid(), status: z.enum(['pending', 'accepted', 'declined']) })
        .nullable()
        .meta({ description: "Your organisation's latest invitation, if it was invited." }),
      charterAcceptanceRequired: z
        .boolean()
        .meta({ description: 'You are a member who accepted an older charter: join again to accept this one.' }),
    }),
    charterVersion: z.string().meta({ description: 'The current charter version.' }),
    activatedAt: Timestamp.nullable(),
    closedAt: Timestamp.nullable(),
    createdAt: Timestamp,
  })
  .meta({ id: 'Consortium' });
export const ConsortiumPage = page(ConsortiumSchema, 'ConsortiumPage');

export const ConsortiumListQuery = z.strictObject({
  status: ConsortiumStatusSchema.optional(),
  capability: CapabilitySlugSchema.optional(),
  mine: ListQuery.shape.mine.meta({ description: 'Only consortia your organisation is a member of or invited to.' }),
  limit: ListQuery.shape.limit,
  cursor: ListQuery.shape.cursor,
});

export const InvitationSchema = z
  .object({
    id: z.uuid(),
    consortiumId: z.uuid(),
    status: z.enum(['pending', 'accepted', 'declined']),
    need: z
      .object({ id: z.uuid(), title: z.string() })
      .nullable()
      .meta({ description: 'The need it was made for; its owner is not named.' }),
    offering: z.object({ id: z.uuid(), title: z.string(), organisation: OrganisationSchema }).nullable(),
    createdAt: Timestamp,
    respondedAt: Timestamp.nullable(),
  })
  .meta({ id: 'ConsortiumInvitation' });

export const SuggestionsSchema = z
  .object({
    needs: z.array(
      z.object({
        need: NeedSchema,
        similarity: z.number().min(0).max(1),
        reason: z.string(),
        invited: z.boolean(),
      }),
    ),
    offerings: z.array(
      z.object({
        offering: OfferingSchema,
        score: z.number().min(0).max(1),
        reason: z.string(),
        invited: z.boolean(),
      }),
    ),
  })
  .meta({ id: 'ConsortiumSuggestions' });

export const LogEntrySchema = z
  .object({
    seq: z.number().int(),
    action: z.string(),
    organisation: z.object({ id: z.uuid().nullable(), name: z.string() }).nullable(),
    user: z.object({ name: z.string() }).nullable(),
    detail: z.record(z.string(), z.unknown()),
    at: Timestamp,
  })
  .meta({ id: 'ConsortiumLogEntry' });
export const LogPage = page(LogEntrySchema, 'ConsortiumLogPage');

export const FlagListSchema = page(
  SensitiveFlagSchema.extend({
    id: z.uuid(),
    organisation: OrganisationSchema,
    subjectType: z.string(),
    subjectId: z.uuid(),
    createdAt: Timestamp,
  }),
  'SensitiveFlagPage',
);

const ExportRows = z.array(z.record(z.string(), z.unknown()));
export const DataExportSchema = z
  .object({
    exportedAt: z.iso.datetime(),
    user: z.record(z.string(), z.unknown()),
    organisation: z.record(z.string(), z.unknown()),
    needs: ExportRows,
    offerings: ExportRows,
    matches: ExportRows,
    introductions: ExportRows,
    digests: ExportRows.meta({ description: 'The digests sent to you, each with its items.' }),
    apiTokens: ExportRows.meta({ description: 'Names and dates; the tokens themselves are never stored.' }),
    organisationInvitations: ExportRows.meta({
      description:
        'The invitation you joined your organisation by, and those you sent: addresses and dates (their links are never stored).',
    }),
  })
  .meta({
    id: 'DataExport',
    description:
      'Everything Roadmatch holds about you and your organisation: rows as stored, without the text analysis the service keeps for matching.',
  });
