// The campaign's own send-path lookups and storage must answer exactly as the general ones they stand in
// for: the consent probe as src/contacts/store.ts grantedContactIds on any history; events as cascaded.

import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "../../test/harness.js";
import { grantedContactIds } from "../contacts/store.js";
import { newId } from "../util/ids.js";
import { consentingContacts } from "./store.js";
import { seedAudience } from "./test-support.js";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.close());

const entry = fc.record({
  contact: fc.nat({ max: 5 }),
  channel: fc.constantFrom("email", "post"),
  purpose: fc.constantFrom("marketing", "newsletter"),
  status: fc.constantFrom("granted", "withdrawn"),
  // Few distinct times, so that ties at the same instant are decided by the id (newest id wins).
  minute: fc.nat({ max: 3 }),
  // Entries of the other workspace about the same contact ids must not count.
  foreign: fc.boolean(),
});

describe("consentingContacts", () => {
  it("equals grantedContactIds for any consent history (newest entry per channel and purpose decides)", async () => {
    const { db } = env.rt;
    const audience = await seedAudience(db, env.ws.id, { count: 6, consent: false });
    const ids = audience.contactIds;
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 25 }), async (entries) => {
        run++;
        await sql`delete from consents where contact_id = any(${ids}::text[])`.execute(db);
        for (const [i, e] of entries.entries()) {
          await sql`
            insert into consents (id, workspace_id, contact_id, channel, purpose, status, at, by, source, created_at)
            values (${`cns_t${String(run).padStart(5, "0")}${String(i).padStart(3, "0")}`},
                    ${e.foreign ? env.other.id : env.ws.id}, ${ids[e.contact]}, ${e.channel}, ${e.purpose},
                    ${e.status}, ${new Date(Date.UTC(2026, 0, 1, 0, e.minute))}, 'test', 'test', now())`.execute(
            db,
          );
        }
        for (const channel of ["email", "post"]) {
          for (const purpose of ["marketing", "newsletter"]) {
            const probe = await consentingContacts(db, env.ws.id, ids, channel, purpose);
            const general = new Set(await grantedContactIds(db, env.ws.id, ids, channel, purpose));
            expect([...probe].sort()).toEqual([...general].sort());
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it("answers an empty batch without asking", async () => {
    expect((await consentingContacts(env.rt.db, env.ws.id, [], "email", "marketing")).size).toBe(0);
  });
});

describe("message events without their foreign key (migration 250)", () => {
  it("go with their messages when a workspace is deleted, and only those", async () => {
    const { db } = env.rt;
    const ws = newId("ws");
    await db.insertInto("workspaces").values({ id: ws, name: "Weg damit" }).execute();
    const message = (id: string, workspaceId: string) =>
      sql`insert into messages (id, workspace_id, from_address, message_id_header, return_path)
          values (${id}, ${workspaceId}, 'a@example.org', ${`<${id}@example.org>`}, 'b@example.org')`.execute(
        db,
      );
    const event = (id: string, messageId: string, workspaceId: string) =>
      sql`insert into message_events (id, workspace_id, message_id, at, type, source)
          values (${id}, ${workspaceId}, ${messageId}, now(), 'queued', 'test')`.execute(db);
    const gone = newId("msg");
    const kept = newId("msg");
    await message(gone, ws);
    await message(kept, env.ws.id);
    await event(newId("evt"), gone, ws);
    await event(newId("evt"), gone, ws);
    await event(newId("evt"), kept, env.ws.id);
    const eventsOf = async (id: string) =>
      (
        await sql<{
          n: number;
        }>`select count(*)::int as n from message_events where message_id = ${id}`.execute(db)
      ).rows[0].n;
    expect(await eventsOf(gone)).toBe(2);
    await db.deleteFrom("workspaces").where("id", "=", ws).execute();
    expect(await eventsOf(gone)).toBe(0);
    expect(await eventsOf(kept)).toBe(1);
  });
});

describe("messages without their contact and workspace keys (migration 275)", () => {
  const message = (id: string, workspaceId: string, contactId: string | null) =>
    sql`insert into messages (id, workspace_id, contact_id, from_address, message_id_header, return_path)
        values (${id}, ${workspaceId}, ${contactId}, 'a@example.org', ${`<${id}@example.org>`}, 'b@example.org')`.execute(
      env.rt.db,
    );
  const contactOf = async (id: string) =>
    (
      await sql<{ contact_id: string | null }>`select contact_id from messages where id = ${id}`.execute(
        env.rt.db,
      )
    ).rows[0]?.contact_id;

  it("lose the contact's id when the contact is deleted, and only theirs", async () => {
    const { db } = env.rt;
    const [gone, kept] = (await seedAudience(db, env.ws.id, { count: 2, domain: "weg.example" })).contactIds;
    const [a, b, c] = [newId("msg"), newId("msg"), newId("msg")];
    await message(a, env.ws.id, gone);
    await message(b, env.ws.id, gone);
    await message(c, env.ws.id, kept);
    await db.deleteFrom("contacts").where("id", "=", gone).execute();
    expect(await contactOf(a)).toBeNull();
    expect(await contactOf(b)).toBeNull();
    expect(await contactOf(c)).toBe(kept);
  });

  it("go with their workspace, and only theirs", async () => {
    const { db } = env.rt;
    const ws = newId("ws");
    await db.insertInto("workspaces").values({ id: ws, name: "Auch weg" }).execute();
    const [gone, kept] = [newId("msg"), newId("msg")];
    await message(gone, ws, null);
    await message(kept, env.ws.id, null);
    await db.deleteFrom("workspaces").where("id", "=", ws).execute();
    expect(await contactOf(gone)).toBeUndefined();
    expect(await contactOf(kept)).toBeNull();
  });
});
