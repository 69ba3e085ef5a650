import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleNeed, signup, startTestApp, type TestApp } from '../helpers.js';

// Deleting a post cascades to its matches, which a matching job may be writing at that moment: PostgreSQL
// then stops one of the two as a deadlock. When it stops the deletion, the deletion runs again and the
// person sees their post deleted, not an error. The deadlock is raised here as PostgreSQL reports it, once.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await t.db.sql.unsafe(`
    create table test_deadlocks (id uuid primary key);
    -- A sequence, as it is not rolled back with the stopped transaction: the first attempt only.
    create sequence test_deadlock_attempts;
    create or replace function test_deadlock_once() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from test_deadlocks where id = old.id) and nextval('test_deadlock_attempts') = 1 then
        raise exception 'deadlock detected' using errcode = 'deadlock_detected';
      end if;
      return old;
    end $$;
    create trigger test_deadlock_once before delete on needs for each row execute function test_deadlock_once();`);
});
afterAll(async () => {
  await t?.close();
});

describe('deleting a post that meets a matching job', () => {
  it('runs the deletion again when it is stopped as one side of a deadlock', async () => {
    const bio = await signup(t.app, 'biomanufacturer');
    const id = (await request(t.app).post('/v1/needs').set(bio.auth).send(sampleNeed()).expect(201)).body.id;
    await t.db.sql`insert into test_deadlocks (id) values (${id})`;
    await request(t.app).delete(`/v1/needs/${id}`).set(bio.auth).expect(204);
    expect(await t.db.sql`select 1 from needs where id = ${id}`).toHaveLength(0);
    const [attempts] = await t.db.sql<{ n: string }[]>`select last_value::text as n from test_deadlock_attempts`;
    expect(attempts!.n).toBe('2'); // stopped once, then done
  });
});
