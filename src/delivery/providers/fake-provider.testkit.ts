// A stand-in for the four providers' send APIs on loopback, answering with the documented request and
// response shapes: success with a message id (SendGrid 202 + X-Message-Id, Mailgun 200 { id, message },
// Postmark 200 { MessageID, ErrorCode: 0 }, SES v2 200 { MessageId }), validation errors (400 / 422),
// a refused credential (401 / 403), throttling (429 with Retry-After) and server trouble (5xx).
// Tests switch what it answers with `answer` and read what it received in `requests`.
import http from "node:http";
import type { AddressInfo } from "node:net";

export type Answer = "ok" | "invalid" | "unauthorized" | "throttled" | "unavailable" | "inactive";

export interface ReceivedRequest {
  provider: "sendgrid" | "mailgun" | "postmark" | "ses";
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

let counter = 0;
const nextId = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

function sendgrid(answer: Answer): Reply {
  switch (answer) {
    case "ok":
      return { status: 202, headers: { "x-message-id": `SG${nextId()}` }, body: "" };
    case "invalid":
    case "inactive":
      return json(400, {
        errors: [
          {
            message: "The from email does not contain a valid address.",
            field: "from.email",
            help: "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.from",
          },
        ],
      });
    case "unauthorized":
      return json(401, {
        errors: [
          {
            message: "The provided authorization grant is invalid, expired, or revoked",
            field: null,
            help: null,
          },
        ],
      });
    case "throttled":
      return json(429, { errors: [{ field: null, message: "too many requests" }] }, { "retry-after": "120" });
    case "unavailable":
      return json(503, { errors: [{ field: null, message: "Service Unavailable" }] });
  }
}

function mailgun(answer: Answer, domain: string): Reply {
  switch (answer) {
    case "ok":
      return json(200, { id: `<${nextId()}.5817@${domain}>`, message: "Queued. Thank you." });
    case "invalid":
    case "inactive":
      return json(400, { message: "'to' parameter is not a valid address. please check documentation" });
    case "unauthorized":
      return { status: 401, headers: { "content-type": "text/plain" }, body: "Forbidden" };
    case "throttled":
      return json(429, { message: "Too many requests" }, { "retry-after": "60" });
    case "unavailable":
      return json(500, { message: "Internal Server Error" });
  }
}

function postmark(answer: Answer, to: string): Reply {
  switch (answer) {
    case "ok":
      return json(200, {
        To: to,
        SubmittedAt: new Date().toISOString(),
        MessageID: `0a129aee-e1cd-480d-b08d-${nextId().padStart(12, "0").slice(-12)}`,
        ErrorCode: 0,
        Message: "OK",
      });
    case "invalid":
      return json(422, { ErrorCode: 300, Message: "Invalid 'From' address: 'nobody'." });
    case "inactive":
      return json(422, {
        ErrorCode: 406,
        Message: "You tried to send to a recipient that has been marked as inactive.",
      });
    case "unauthorized":
      return json(401, { ErrorCode: 10, Message: "Bad or missing Server API token." });
    case "throttled":
      return json(429, { ErrorCode: 429, Message: "Rate limit exceeded." }, { "retry-after": "30" });
    case "unavailable":
      return json(500, { ErrorCode: 500, Message: "Internal server error." });
  }
}

function ses(answer: Answer): Reply {
  const error = (status: number, type: string, message: string) =>
    json(
      status,
      { message },
      { "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazonaws.sesv2/` },
    );
  switch (answer) {
    case "ok":
      return json(200, { MessageId: `0107018f${nextId()}-000000` });
    case "invalid":
    case "inactive":
      return error(
        400,
        "MessageRejected",
        "Email address is not verified. The following identities failed the check in region EU-CENTRAL-1: praxis@example.org",
      );
    case "unauthorized":
      return error(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided.",
      );
    case "throttled":
      return error(429, "TooManyRequestsException", "Maximum sending rate exceeded.");
    case "unavailable":
      return error(500, "InternalFailure", "The request processing has failed because of an unknown error.");
  }
}

function replyTo(req: ReceivedRequest, answer: Answer): Reply {
  if (req.provider === "sendgrid") return sendgrid(answer);
  if (req.provider === "mailgun") return mailgun(answer, req.path.split("/")[3] ?? "example.org");
  if (req.provider === "postmark") {
    const to = (() => {
      try {
        return String(JSON.parse(req.body.toString()).To);
      } catch {
        return "";
      }
    })();
    return postmark(answer, to);
  }
  return ses(answer);
}

function providerOf(path: string): ReceivedRequest["provider"] | null {
  if (path === "/v3/mail/send") return "sendgrid";
  if (/^\/v3\/[^/]+\/messages\.mime$/.test(path)) return "mailgun";
  if (path === "/email") return "postmark";
  if (path === "/v2/email/outbound-emails") return "ses";
  return null;
}

export interface FakeProvider {
  url: string;
  requests: ReceivedRequest[];
  answer: Answer;
  close(): Promise<void>;
}

export async function startFakeProvider(): Promise<FakeProvider> {
  const state: { answer: Answer; requests: ReceivedRequest[] } = { answer: "ok", requests: [] };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = (req.url ?? "/").split("?")[0];
      const provider = providerOf(path);
      if (!provider || req.method !== "POST") {
        res
          .writeHead(404, { "content-type": "application/json" })
          .end(JSON.stringify({ message: "Not found" }));
        return;
      }
      const received: ReceivedRequest = {
        provider,
        method: req.method,
        path,
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      state.requests.push(received);
      const reply = replyTo(received, state.answer);
      res.writeHead(reply.status, reply.headers ?? {}).end(reply.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: state.requests,
    get answer() {
      return state.answer;
    },
    set answer(a: Answer) {
      state.answer = a;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
