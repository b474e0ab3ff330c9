// Test support: an independent DKIM verifier, written from RFC 6376 §3.4.2/§3.4.4/§3.7 for the tests, not
// sharing code with the signer (dkim.ts). Used by the sender-domain and the campaign tests.
import { createHash, createPublicKey, createVerify } from "node:crypto";

function parseFields(head: string): string[] {
  const fields: string[] = [];
  for (const line of head.split("\r\n")) {
    if ((line.startsWith(" ") || line.startsWith("\t")) && fields.length)
      fields[fields.length - 1] += `\r\n${line}`;
    else fields.push(line);
  }
  return fields;
}
const canonHeader = (f: string) => {
  const i = f.indexOf(":");
  return `${f.slice(0, i).toLowerCase().trim()}:${f
    .slice(i + 1)
    .replace(/\r\n/g, "")
    .replace(/[\t ]+/g, " ")
    .trim()}`;
};
function canonBody(body: string): string {
  let b = body
    .split("\r\n")
    .map((l) => l.replace(/[\t ]+/g, " ").replace(/ +$/, ""))
    .join("\r\n");
  while (b.endsWith("\r\n\r\n")) b = b.slice(0, -2);
  if (b === "\r\n") b = "";
  if (b !== "" && !b.endsWith("\r\n")) b += "\r\n";
  return b;
}

/** true when the first DKIM-Signature of `raw` verifies with the public key (base64 SPKI DER). */
export function verifyDkim(raw: Buffer, publicKeyB64: string): { ok: boolean; tags: Record<string, string> } {
  const text = raw.toString("latin1");
  const split = text.indexOf("\r\n\r\n");
  const fields = parseFields(text.slice(0, split));
  const body = text.slice(split + 4);
  const sigField = fields.find((f) => /^dkim-signature:/i.test(f));
  if (!sigField) return { ok: false, tags: {} };
  const tags: Record<string, string> = {};
  for (const t of sigField
    .slice(sigField.indexOf(":") + 1)
    .replace(/\s+/g, "")
    .split(";")) {
    if (t) tags[t.slice(0, t.indexOf("="))] = t.slice(t.indexOf("=") + 1);
  }
  const bh = createHash("sha256").update(canonBody(body), "latin1").digest("base64");
  if (bh !== tags.bh) return { ok: false, tags };
  const others = fields.filter((f) => f !== sigField);
  const used = new Map<string, number>();
  let data = "";
  for (const name of tags.h.split(":")) {
    const same = others.filter((f) => f.slice(0, f.indexOf(":")).trim().toLowerCase() === name);
    const n = used.get(name) ?? 0;
    used.set(name, n + 1);
    const f = same[same.length - 1 - n];
    if (f) data += `${canonHeader(f)}\r\n`;
  }
  data += canonHeader(sigField)
    .replace(/b=[^;]*$/, "b=")
    .replace(/(;\s*b=)[^;]*$/, "$1");
  const key = createPublicKey({ key: Buffer.from(publicKeyB64, "base64"), format: "der", type: "spki" });
  const ok = createVerify("RSA-SHA256").update(data, "latin1").verify(key, tags.b, "base64");
  return { ok, tags };
}
