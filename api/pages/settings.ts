import type { Router } from 'express';
import { ANONYMOUS_OWNER, isLastMember } from '../../core/policy.js';
import { AREAS, CAPABILITIES } from '../../core/taxonomy.js';
import { countOrganisationHoldings, listTokens, revokeToken } from '../../db/queries/accounts.js';
import { getFollows, setFollows, updateDigestSettings } from '../../db/queries/digests.js';
import { HttpProblem, notFound } from '../problem.js';
import { DigestSettingsBody, FollowsBody, TokenBody } from '../schemas.js';
import { toMatch } from '../serialize.js';
import { makeApiToken } from '../usecases/accounts.js';
import { deleteMyAccount, exportFileName, exportMyData, nextDigestOf, previewDigest } from '../usecases/me.js';
import { endSession, requireViewer } from './session.js';
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
    const [{ settings, nextDigestAt: next }, follows, tokens] = await Promise.all([
      nextDigestOf(deps.db, userId),
      getFollows(deps.db, userId),
      listTokens(deps.db, userId),
    ]);
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

  // What the next digest would hold, as the worker would choose it now.
  router.get(
    '/settings/digest-preview',
    requireViewer,
    pageHandler(async (req, res) => {
      const viewer = viewerOf(res);
      const preview = await previewDigest(deps.db, viewer);
      const items = preview.matches.map((row) => {
        const m = toMatch(row, viewer, null);
        const ownNeed = row.need.organisationId === viewer.organisationId;
        return {
          id: m.id,
          side: ownNeed ? 'need' : 'offering',
          ownTitle: ownNeed ? m.need.title : m.offering.title,
          ownHref: ownNeed ? `/needs/${m.need.id}` : `/offerings/${m.offering.id}`,
          title: ownNeed ? m.offering.title : m.need.title,
          href: ownNeed ? `/offerings/${m.offering.id}` : `/needs/${m.need.id}`,
          organisation: ownNeed ? m.offering.organisation.name : (m.need.organisation?.name ?? ANONYMOUS_OWNER),
          scorePercent: Math.round(m.score * 100),
          summary: (m.explanation as { summary?: string } | null)?.summary ?? '',
        };
      });
      const { settings } = preview;
      ctx.page(req, res, 'digest-preview', {
        title: 'Your next digest',
        items,
        frequency: settings.frequency,
        next: preview.nextDigestAt
          ? `${dateTime(preview.nextDigestAt, settings.timezone)} (${settings.timezone})`
          : null,
      });
    }),
  );

  // Your data: the same file as GET /v1/me/export, from the signed-in session.
  router.get(
    '/settings/export',
    requireViewer,
    pageHandler(async (_req, res) => {
      const data = await exportMyData(deps.db, viewerOf(res));
      res.setHeader('Content-Disposition', `attachment; filename="${exportFileName()}"`);
      res.type('application/json').send(JSON.stringify(data, null, 2));
    }),
  );

  // Leaving: a page that says what goes, then its button.
  router.get(
    '/settings/delete',
    requireViewer,
    pageHandler(async (req, res) => {
      const viewer = viewerOf(res);
      const holdings = await countOrganisationHoldings(deps.db, viewer.organisationId);
      ctx.page(req, res, 'delete-account', {
        title: 'Delete my account',
        organisationName: viewer.organisationName,
        last: isLastMember(holdings.members),
        needs: holdings.needs,
        offerings: holdings.offerings,
      });
    }),
  );

  router.post(
    '/settings/delete',
    requireViewer,
    pageHandler(async (req, res) => {
      const viewer = viewerOf(res);
      const { organisationDeleted } = await deleteMyAccount(deps, viewer);
      // The session went with the account; the cookie goes too, and the page is a signed-out one.
      await endSession(deps.db, req, res);
      res.locals.viewer = null;
      ctx.page(req, res, 'result', {
        title: 'Your account is deleted',
        message: organisationDeleted
          ? `Your account is deleted, and with it ${viewer.organisationName} and its posts. You are signed out, and your address no longer signs in.`
          : `Your account is deleted. You are signed out, and your address no longer signs in; your posts and introductions stay with ${viewer.organisationName}, showing “a former member” where your name was.`,
        next: { href: '/', label: 'Home' },
      });
    }),
  );
}
