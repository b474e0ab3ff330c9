// The Mailchimp adapter against the contract fake (test/fakes/mailchimp.ts) on loopback.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeMailchimp, startFakeMailchimp } from "../../../test/fakes/mailchimp.js";
import { adapterFor, type RemoteMember, ToolError } from "../adapter.js";
import "./index.js";
import { subscriberHash } from "./mailchimp.js";

let fake: FakeMailchimp;
const waits: number[] = [];
const adapter = (key = fake.apiKey) =>
  adapterFor(
    { id: "etc_1", tool: "mailchimp", base_url: fake.url, credentials: { kind: "mailchimp", api_key: key } },
    { sleep: async (ms) => void waits.push(ms) },
  );

async function all(listId: string, pageSize?: number) {
  const out: RemoteMember[] = [];
  for await (const page of adapter().members(listId, { pageSize })) out.push(...page);
  return out;
}

beforeAll(async () => {
  fake = await startFakeMailchimp();
});
afterAll(() => fake.close());

describe("Mailchimp adapter", () => {
  it("subscriber hash is the MD5 of the lower-cased address", () => {
    expect(subscriberHash(" Urist.McVankab@Freddiesjokes.com")).toBe("62eeb292278cc15f5817cb78f7790b08");
  });

  it("verifies the key and refuses a wrong one as auth", async () => {
    expect(await adapter().verify()).toEqual({ account: "Hundeschule Pfote" });
    const err = await adapter("ffffffffffffffffffffffffffffffff-us21")
      .verify()
      .catch((e) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect(err.kind).toBe("auth");
    expect(err.message).toContain("API Key Invalid");
  });

  it("reads every member page by page (count/offset, at most 1,000) with names and statuses", async () => {
    const l = fake.addList("Paging");
    for (let i = 0; i < 2345; i++) {
      fake.addMember(l.id, {
        email_address: `m${i}@example.org`,
        status: i % 7 === 0 ? "unsubscribed" : i % 11 === 0 ? "cleaned" : "subscribed",
        merge_fields: { FNAME: `F${i}`, LNAME: `L${i}`, SALUTATION: i === 1 ? "Hallo F1," : "" },
      });
    }
    fake.requests.length = 0;
    const members = await all(l.id, 5000);
    expect(members).toHaveLength(2345);
    expect(new Set(members.map((m) => m.email)).size).toBe(2345);
    const pages = fake.requests.filter((r) => r.path.endsWith("/members"));
    expect(pages).toHaveLength(3);
    const m1 = members.find((m) => m.email === "m1@example.org");
    expect(m1).toMatchObject({
      first_name: "F1",
      last_name: "L1",
      salutation: "Hallo F1,",
      status: "subscribed",
    });
    expect(members.find((m) => m.email === "m0@example.org")?.status).toBe("unsubscribed");
    expect(members.find((m) => m.email === "m11@example.org")?.status).toBe("cleaned");
    expect(members.find((m) => m.email === "m2@example.org")?.salutation).toBeNull();
  });

  it("waits as Retry-After says on 429 and retries; 5xx past the retries is 'unavailable'", async () => {
    const l = fake.addList("Throttled");
    fake.addMember(l.id, { email_address: "a@example.org" });
    waits.length = 0;
    fake.throttle(2, 7);
    expect(await all(l.id)).toHaveLength(1);
    expect(waits).toEqual([7000, 7000]);
    fake.failNext(10, 503);
    const err = await all(l.id).catch((e) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect(err.kind).toBe("unavailable");
    expect(err.status).toBe(503);
    fake.failNext(0);
  });

  it("a connection cut mid-run is a 'connection' error", async () => {
    const l = fake.addList("Dropped");
    for (let i = 0; i < 30; i++) fake.addMember(l.id, { email_address: `d${i}@example.org` });
    fake.dropMembersAtOffset = 10;
    const err = await all(l.id, 10).catch((e) => e);
    fake.dropMembersAtOffset = null;
    expect(err).toBeInstanceOf(ToolError);
    expect(err.kind).toBe("connection");
  });

  // Changed deliberately when the two HTTP clients became one (adapters/http.ts): a batch subscribe that
  // answers 5xx used to be sent again, which could apply it twice; now the batch fails as "unknown".
  it("never repeats a write after a 5xx: the batch fails and says its outcome is unknown", async () => {
    const l = fake.addList("Outage");
    fake.requests.length = 0;
    waits.length = 0;
    fake.failNext(1, 503);
    const err = await adapter()
      .apply(l.id, [{ op: "upsert", ref: "s1", email: "x@example.org", first_name: "X", last_name: "Y" }])
      .catch((e) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect(err.kind).toBe("unavailable");
    expect(err.message).toContain("may or may not have been made");
    expect(fake.requests.filter((r) => r.method === "POST")).toHaveLength(1);
    expect(waits).toEqual([]);
    // A 429 is repeated even for a write: Mailchimp did nothing with it.
    fake.throttle(1, 3);
    const [ok] = await adapter().apply(l.id, [{ op: "upsert", ref: "s2", email: "y@example.org" }]);
    expect(ok.ok).toBe(true);
    expect(waits).toEqual([3000]);
  });

  it("applies ops with one result each; rejected members fail alone", async () => {
    const l = fake.addList("Ops");
    fake.addMember(l.id, { email_address: "old@example.org", merge_fields: { FNAME: "Old", LNAME: "Name" } });
    fake.addMember(l.id, { email_address: "bye@example.org" });
    fake.addMember(l.id, { email_address: "gone@example.org" });
    fake.reject.add("fake@example.org");
    const before = fake.member(l.id, "old@example.org")?.contact_id;
    const results = await adapter().apply(l.id, [
      {
        op: "upsert",
        ref: "s1",
        email: "new@example.org",
        first_name: "Neu",
        last_name: "Person",
        salutation: "Hallo Neu,",
      },
      { op: "upsert", ref: "s2", email: "fake@example.org", first_name: "X", last_name: "Y" },
      { op: "subscribe_double_opt_in", ref: "s3", email: "doi@example.org", first_name: "D", last_name: "O" },
      { op: "unsubscribe", ref: "s4", email: "bye@example.org" },
      {
        op: "update_name",
        ref: "s5",
        email: "old@example.org",
        first_name: "Older",
        last_name: "Name",
        salutation: null,
      },
      { op: "change_email", ref: "s6", email: "old@example.org", new_email: "renamed@example.org" },
      { op: "archive", ref: "s7", email: "gone@example.org" },
      { op: "archive", ref: "s8", email: "never@example.org" },
    ]);
    const byRef = new Map(results.map((r) => [r.ref, r]));
    expect(byRef.get("s1")).toMatchObject({ ok: true, status: "subscribed" });
    expect(byRef.get("s2")).toMatchObject({ ok: false, error: { code: "ERROR_GENERIC" } });
    expect(byRef.get("s3")).toMatchObject({ ok: true, status: "pending" });
    expect(byRef.get("s4")).toMatchObject({ ok: true, status: "unsubscribed" });
    expect(byRef.get("s5")?.ok).toBe(true);
    expect(byRef.get("s6")).toMatchObject({ ok: true, remote_id: before });
    expect(byRef.get("s7")).toMatchObject({ ok: true, status: "archived" });
    expect(byRef.get("s8")).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(fake.member(l.id, "renamed@example.org")?.merge_fields.FNAME).toBe("Older");
    expect(fake.member(l.id, "old@example.org")).toBeUndefined();
    expect(fake.member(l.id, "gone@example.org")?.status).toBe("archived");
    expect(fake.member(l.id, "new@example.org")?.merge_fields.SALUTATION).toBe("Hallo Neu,");
  });

  it("a permanently deleted address cannot be imported again", async () => {
    const l = fake.addList("Forget");
    fake.addMember(l.id, { email_address: "forget@example.org" });
    const [del] = await adapter().apply(l.id, [
      { op: "delete_permanently", ref: "d", email: "forget@example.org" },
    ]);
    expect(del.ok).toBe(true);
    const [again] = await adapter().apply(l.id, [{ op: "upsert", ref: "u", email: "forget@example.org" }]);
    expect(again).toMatchObject({ ok: false, error: { code: "ERROR_CONTACT_EXISTS" } });
  });

  it("creates an audience with its sender and a SALUTATION merge field; needs the postal address", async () => {
    const settings = {
      name: "Newsletter",
      from_name: "Pfote",
      from_email: "info@pfote.example",
      track_reactions: true,
    };
    const err = await adapter()
      .createList(settings)
      .catch((e) => e);
    expect(err.kind).toBe("invalid");
    const created = await adapter().createList({
      ...settings,
      contact: { company: "Pfote", address1: "Weg 1", city: "Konstanz", zip: "78462", country: "DE" },
    });
    expect(created).toMatchObject({ name: "Newsletter", from_email: "info@pfote.example" });
    expect(fake.lists.get(created.id)?.merge_tags.has("SALUTATION")).toBe(true);
    expect((await adapter().lists()).map((l) => l.id)).toContain(created.id);
    const missing = await adapter()
      .getList("nope")
      .catch((e) => e);
    expect(missing.kind).toBe("not_found");
  });
});
