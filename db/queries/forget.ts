import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { closeIntroductionsOf } from './introductions.js';

/**
 * What must happen before posts are deleted, in the deleting transaction, whether one post goes
 * (`deletePost`) or an organisation with all of its posts (`deleteAccount`): their pending introductions are
 * closed (the others stay, the post withdrawn: the foreign keys set null), and their needs are forgotten by
 * the common needs and the digests (`forgetNeeds`). `organisationId`: the whole organisation goes, with
 * every post of it.
 */
export async function forgetPosts(
  tx: Executor,
  posts: { needIds: string[]; offeringIds: string[] },
  organisationId?: string,
): Promise<void> {
  await closeIntroductionsOf(tx, { ...posts, organisationId });
  await forgetNeeds(tx, posts.needIds, organisationId);
}

/**
 * Needs about to be deleted leave no trace in the common needs and the digests: the other needs grouped with
 * them or common to them are marked for regrouping without them (the next regrouping job); a group that
 * carries one's title takes a remaining member's now, and one left with none of its needs goes; and notices of
 * others' digests about them go (they have no foreign key: their subject is a need or a group). With
 * `organisationId`, every need of that organisation goes too: none of them is a remaining member.
 */
export async function forgetNeeds(tx: Executor, needIds: string[], organisationId?: string): Promise<void> {
  if (needIds.length === 0) return;
  const ids = sql`${sql.param(needIds)}::uuid[]`;
  // A need that stays: not one of these, nor (with the organisation going) one of its needs.
  const stays = (n: string) =>
    organisationId
      ? sql`(${sql.raw(n)}.id <> all(${ids}) and ${sql.raw(n)}.organisation_id <> ${organisationId})`
      : sql`${sql.raw(n)}.id <> all(${ids})`;
  await tx.execute(sql`
    insert into common_need_dirty (need_id)
    select distinct x.id from (
      select g2.need_id as id from common_need_group_members g1
        join common_need_group_members g2 on g2.group_id = g1.group_id
        where g1.need_id = any(${ids})
      union select need_b from common_needs where need_a = any(${ids})
      union select need_a from common_needs where need_b = any(${ids})) x
    where x.id <> all(${ids})
    on conflict do nothing`);
  // A group left with no other need goes; one titled after one of these takes a remaining member's title.
  const remaining = sql`select n.title from common_need_group_members m join needs n on n.id = m.need_id
    where m.group_id = g.id and ${stays('n')}`;
  const gone = await tx.execute<{ id: string }>(sql`
    delete from common_need_groups g
    where g.id in (select group_id from common_need_group_members where need_id = any(${ids}))
      and not exists (${remaining})
    returning g.id`);
  await tx.execute(sql`
    update common_need_groups g set title = (${remaining} order by n.created_at, n.id limit 1), updated_at = now()
    where g.title in (select title from needs where id = any(${ids})) and exists (${remaining})`);
  await tx.execute(sql`
    delete from digest_notices
    where (kind = 'common-need' and subject_id = any(${ids}))
       or (kind = 'common-group' and subject_id = any(${sql.param(gone.map((g) => g.id))}::uuid[]))`);
}
