import type { Router } from 'express';
import { nextDigestAt } from '../../core/digest/schedule.js';
import { AREAS, CAPABILITIES } from '../../core/taxonomy.js';
import { listTokens, revokeToken } from '../../db/queries/accounts.js';
import { getDigestSettings, getFollows, setFollows, updateDigestSettings } from '../../db/queries/digests.js';
import { HttpProblem, notFound } from '../problem.js';
import { DigestSettingsBody, FollowsBody, TokenBody } from '../schemas.js';
import { makeApiToken } from '../usecases/accounts.js';
import { requireViewer } from './session.js';
import { fieldErrors, list, pageHandler, str, TIMEZONES, viewerOf, type WebContext } from './shared.js';

const FOLLOW_AREAS = AREAS.map((a) => ({
  slug: a.slug,
  name: a.name,
  capabilities: CAPABILITIES.filter((c) => c.area === a.slug),
}));

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const dateTime = (d: Date, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone }).format(d);

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : 'never');

/** The settings page: digests, follows and API tokens. */
export function registerSettingsPages(router: Router, ctx: WebContext): void {
  const { deps } = ctx;

  const settingsPage = async (
    req: Parameters<typeof ctx.page>[0],
    res: Parameters<typeof ctx.page>[1],
    extra: {
      values?: Record<string, unknown>;
      errors?: Record<string, string>;
      saved?: boolean;
      follows?: { capabilities: string[]; areas: string[] };
      followsSaved?: boolean;
      /** A token just made: its secret, shown on this page only. */
      newToken?: { name: string; token: string };
      tokenName?: string;
      tokenError?: string;
    } = {},
    status = 200,
  ) => {
    const userId = viewerOf(res).userId;
    const [settings, follows, tokens] = await Promise.all([
      getDigestSettings(deps.db, userId),
      getFollows(deps.db, userId),
      listTokens(deps.db, userId),
    ]);
    const next = nextDigestAt(new Date(), settings);
    ctx.page(
      req,
      res,
      'settings',
      {
        title: 'Digest settings',
        values: extra.values ?? settings,
        errors: extra.errors ?? {},
        saved: extra.saved ?? false,
        follows: extra.follows ?? follows,
        followsSaved: extra.followsSaved ?? false,
        followAreas: FOLLOW_AREAS,
        weekdays: WEEKDAYS,
        timezones: TIMEZONES,
        next: next ? `${dateTime(next, settings.timezone)} (${settings.timezone})` : null,
        tokens: tokens.map((t) => ({ id: t.id, name: t.name, created: day(t.createdAt), lastUsed: day(t.lastUsedAt) })),
        newToken: extra.newToken ?? null,
        tokenName: extra.tokenName ?? '',
        tokenError: extra.tokenError ?? null,
      },
      status,
    );
  };

  router.get(
    '/settings',
    requireViewer,
    pageHandler((req, res) => settingsPage(req, res)),
  );

  router.post(
    '/settings',
    requireViewer,
    pageHandler(async (req, res) => {
      const f = req.body as Record<string, string | undefined>;
      const parsed = DigestSettingsBody.safeParse({
        frequency: f.frequency,
        weekday: Number(f.weekday),
        hour: Number(f.hour),
        timezone: f.timezone,
      });
      if (!parsed.success) return settingsPage(req, res, { values: f, errors: fieldErrors(parsed.error) }, 400);
      await updateDigestSettings(deps.db, viewerOf(res).userId, parsed.data);
      await settingsPage(req, res, { saved: true });
    }),
  );

  // API tokens: made here (the secret shown once, on the answer to the form), listed with their last use,
  // revoked with a button.
  router.post(
    '/settings/tokens',
    requireViewer,
    pageHandler(async (req, res) => {
      const name = str((req.body as Record<string, unknown>).name).trim();
      const parsed = TokenBody.safeParse({ name: name || undefined });
      if (!parsed.success)
        return settingsPage(
          req,
          res,
          { tokenName: name.replaceAll('\u0000', ''), tokenError: `The name ${parsed.error.issues[0]!.message}.` },
          400,
        );
      const { row, token } = await makeApiToken(deps, deps.db, req.ip ?? '', viewerOf(res).userId, parsed.data.name);
      await settingsPage(req, res, { newToken: { name: row.name, token } }, 201);
    }),
  );

  router.post(
    '/settings/tokens/:id/revoke',
    requireViewer,
    pageHandler(async (req, res) => {
      if (!(await revokeToken(deps.db, viewerOf(res).userId, String(req.params.id)))) throw notFound('This token');
      res.redirect(303, '/settings#tokens');
    }),
  );

  // What a person follows: capabilities and whole areas, for the community news of their digest.
  router.post(
    '/settings/follows',
    requireViewer,
    pageHandler(async (req, res) => {
      const f = req.body as Record<string, unknown>;
      const parsed = FollowsBody.safeParse({ capabilities: list(f.capabilities), areas: list(f.areas) });
      if (!parsed.success) {
        throw new HttpProblem(
          400,
          'bad_request',
          'Not a capability or area of the roadmap',
          'Choose capabilities and areas from the lists on the settings page.',
        );
      }
      await setFollows(deps.db, viewerOf(res).userId, parsed.data);
      await settingsPage(req, res, { followsSaved: true });
    }),
  );
}
