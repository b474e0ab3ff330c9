// SendGrid's side of the events benchmark in a process of its own: SendGrid posts from its own machines, so
// its HTTP client's work (writing the 400 KB body to the socket, reading and parsing the answer) counts in
// neither Poststelle's CPU nor its heap. Forked by bench/events.ts with an IPC channel ("advanced"
// serialisation, so a request's bytes travel as bytes): it is handed a round's signed requests before the
// round is timed, posts them all at once when told, and answers with the number of events each answer says
// were stored. It ends when the channel closes (the benchmark ended or died).
//   fork("bench/lib/sendgrid-client.ts", { execArgv: ["--import", "tsx"], serialization: "advanced" })

export interface SignedRequest {
  url: string;
  body: Uint8Array<ArrayBuffer>;
  headers: Record<string, string>;
}

export type ClientCommand = { kind: "load"; requests: SignedRequest[] } | { kind: "post" };
export type ClientReply =
  | { kind: "loaded" }
  | { kind: "posted"; stored: number[] }
  | { kind: "failed"; error: string };

/** Posts one batch; the number of events the answer says were stored. */
export async function postWebhook(r: SignedRequest): Promise<number> {
  const res = await fetch(r.url, { method: "POST", headers: r.headers, body: r.body });
  const answer = (await res.json()) as { stored?: number };
  if (res.status !== 200) throw new Error(`HTTP ${res.status} ${JSON.stringify(answer)}`);
  return answer.stored ?? 0;
}

function reply(m: ClientReply): void {
  process.send?.(m);
}

if (process.send) {
  let loaded: SignedRequest[] = [];
  process.on("message", (m: ClientCommand) => {
    if (m.kind === "load") {
      loaded = m.requests;
      reply({ kind: "loaded" });
      return;
    }
    Promise.all(loaded.map(postWebhook)).then(
      (stored) => reply({ kind: "posted", stored }),
      (e: unknown) => reply({ kind: "failed", error: e instanceof Error ? e.message : String(e) }),
    );
  });
  process.on("disconnect", () => process.exit(0));
}
