import { getOrganisation } from '../../db/queries/accounts.js';
import { getDigestSettings, getFollows, setFollows, updateDigestSettings } from '../../db/queries/digests.js';
import type { ApiRouter } from '../endpoint.js';
import {
  DataExportSchema,
  DigestPreviewSchema,
  DigestSettingsBody,
  DigestSettingsSchema,
  FollowsBody,
  FollowsSchema,
  MeSchema,
} from '../schemas.js';
import { toMatch, toOrganisation } from '../serialize.js';
import { deleteMyAccount, exportFileName, exportMyData, previewDigest } from '../usecases/me.js';

export function registerMeRoutes(api: ApiRouter): void {
  api.add(
    {
      method: 'get',
      path: '/v1/me/export',
      summary: 'Download everything the service holds about you and your organisation’s posts, as JSON',
      tag: 'Me',
      auth: true,
      success: { status: 200, description: 'Your data, as a file to keep', schema: DataExportSchema },
    },
    async ({ deps, viewer, res }) => {
      res.setHeader('Content-Disposition', `attachment; filename="${exportFileName()}"`);
      return { body: await exportMyData(deps.db, viewer) };
    },
  );

  api.add(
    {
      method: 'delete',
      path: '/v1/me',
      summary:
        'Delete your account: you, your API tokens and sessions; your organisation and its posts too when you are its last member',
      description:
        'Deletes you, your API tokens and web sessions, and everything kept for you (digests, emails sent, sign-in links, signup requests, idempotency keys, and your jobs in the notifications queue); your organisation and its posts too when you are its last member. ' +
        'Introductions you asked for or answered stay with your organisation, showing "a former member" where your name was. ' +
        'When your organisation goes, its introductions stay with the other organisations: its side shows "a former member" (`organisation: null`), its posts are withdrawn (`need` or `offering` null), the messages its people wrote are emptied, and pending ones are closed as expired. ' +
        'The last member of an organisation that convenes a consortium other organisations are in is refused (409 `convener_of_consortium`) until it is closed.',
      tag: 'Me',
      auth: true,
      success: { status: 204, description: 'Deleted; your tokens no longer work' },
      errors: [409],
    },
    async ({ deps, viewer }) => {
      await deleteMyAccount(deps, viewer);
    },
  );

  api.add(
    {
      method: 'get',
      path: '/v1/me',
      summary: 'The signed-in user and their organisation',
      tag: 'Me',
      auth: true,
      success: { status: 200, description: 'You', schema: MeSchema },
    },
    async ({ deps, viewer }) => {
      const [settings, organisation] = await Promise.all([
        getDigestSettings(deps.db, viewer.userId),
        getOrganisation(deps.db, viewer.organisationId),
      ]);
      return {
        body: {
          user: {
            id: viewer.userId,
            name: viewer.name,
            email: viewer.email,
            timezone: settings.timezone,
            organisationId: viewer.organisationId,
          },
          organisation: toOrganisation(organisation!),
        },
      };
    },
  );

  api.add(
    {
      method: 'get',
      path: '/v1/me/digest',
      summary: 'Your digest settings: how often, which weekday, which local hour, in which timezone',
      tag: 'Me',
      auth: true,
      success: { status: 200, description: 'The settings', schema: DigestSettingsSchema },
    },
    async ({ deps, viewer }) => ({ body: await getDigestSettings(deps.db, viewer.userId) }),
  );

  api.add(
    {
      method: 'put',
      path: '/v1/me/digest',
      summary: 'Change your digest settings; fields left out stay as they are',
      tag: 'Me',
      auth: true,
      body: DigestSettingsBody,
      success: { status: 200, description: 'The settings as changed', schema: DigestSettingsSchema },
    },
    async ({ deps, body, viewer }) => {
      await updateDigestSettings(deps.db, viewer.userId, body);
      return { body: await getDigestSettings(deps.db, viewer.userId) };
    },
  );

  api.add(
    {
      method: 'get',
      path: '/v1/me/digest/preview',
      summary: 'What your next digest would hold if it were sent now, and when it is due',
      tag: 'Me',
      auth: true,
      success: { status: 200, description: 'The preview', schema: DigestPreviewSchema },
    },
    async ({ deps, viewer }) => {
      const preview = await previewDigest(deps.db, viewer);
      return {
        body: {
          nextDigestAt: preview.nextDigestAt?.toISOString() ?? null,
          items: preview.matches.map((row) => toMatch(row, viewer, null)),
        },
      };
    },
  );

  api.add(
    {
      method: 'get',
      path: '/v1/me/follows',
      summary: 'The capabilities and roadmap areas you follow',
      tag: 'Me',
      auth: true,
      success: { status: 200, description: 'What you follow', schema: FollowsSchema },
    },
    async ({ deps, viewer }) => ({ body: await getFollows(deps.db, viewer.userId) }),
  );

  api.add(
    {
      method: 'put',
      path: '/v1/me/follows',
      summary:
        'Follow capabilities and whole areas: your digest then carries the new common-need groups and forming consortia in them',
      tag: 'Me',
      auth: true,
      body: FollowsBody,
      success: { status: 200, description: 'What you now follow', schema: FollowsSchema },
    },
    async ({ deps, body, viewer }) => {
      await setFollows(deps.db, viewer.userId, body);
      return { body: await getFollows(deps.db, viewer.userId) };
    },
  );
}
