// The hosted sign-up page per list (issue 4 item 5): a form on Poststelle's own public URL for hosts without
// one. It does what POST /v1/lists/:id/signups does, with the recipient as the actor. The answer never says
// whether the address was already subscribed: the page is public and must not reveal who is on a list.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Ctx, Runtime } from "../runtime.js";
import { type Lang, langOf, sendPage } from "../tracking/html.js";
import { AppError } from "../util/errors.js";
import type { WorkspaceSettings } from "../workspaces/schema.js";
import { checkFormToken, formToken } from "./form-token.js";
import {
  checkInboxPage,
  hostedWording,
  listUnavailablePage,
  type SignupFormInput,
  signupFormPage,
} from "./pages.js";
import { signupBody } from "./schema.js";
import { requestSignup } from "./service.js";
import { findListAnywhere, findWorkspace } from "./store.js";

const SOURCE = "hosted sign-up page";

/** The list when it takes sign-ups (exists and is running), with the wording its form shows. */
async function openList(rt: Runtime, listId: string, lang: Lang) {
  const list = await findListAnywhere(rt.db, listId);
  if (list?.status !== "running") return null;
  const ws = await findWorkspace(rt.db, list.workspace_id);
  const settings = ws.settings as WorkspaceSettings;
  const sender = list.sender_name ?? settings.default_from_name ?? ws.name;
  return { list, wording: hostedWording(lang, list.name, sender) };
}

type OpenList = NonNullable<Awaited<ReturnType<typeof openList>>>;

function form(rt: Runtime, o: OpenList, lang: Lang, extra: Partial<SignupFormInput> = {}): string {
  return signupFormPage({
    lang,
    listId: o.list.id,
    listName: o.list.name,
    description: o.list.description,
    wording: o.wording,
    formToken: formToken(rt.secret, o.list.id, lang, o.wording, rt.now()),
    ...extra,
  });
}

export async function showSignupForm(rt: Runtime, reply: FastifyReply, listId: string, lang: Lang) {
  const o = await openList(rt, listId, lang);
  if (!o) return sendPage(reply, 404, listUnavailablePage(lang));
  return sendPage(reply, 200, form(rt, o, lang));
}

/** The urlencoded form as strings; anything else (no body, JSON arrays) reads as empty fields. */
function fieldsOf(req: FastifyRequest): (name: string) => string {
  const body = req.body;
  const record = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  return (name) => (typeof record[name] === "string" ? (record[name] as string) : "");
}

export async function submitSignupForm(
  rt: Runtime,
  req: FastifyRequest,
  reply: FastifyReply,
  listId: string,
) {
  const field = fieldsOf(req);
  const lang = langOf(field("lang"));
  const o = await openList(rt, listId, lang);
  if (!o) return sendPage(reply, 404, listUnavailablePage(lang));
  const values = { email: field("email"), first_name: field("first_name"), last_name: field("last_name") };
  const again = (error: SignupFormInput["error"]) =>
    sendPage(reply, 400, form(rt, o, lang, { values, error }));
  // The wording must be the one this server signed into the form: that is the text the person saw.
  if (checkFormToken(rt.secret, field("form_token"), o.list.id, field("wording"), rt.now()) !== lang) {
    return again("staleForm");
  }
  if (field("consent") !== "yes") return again("noConsent");
  const parsed = signupBody.safeParse({
    email: values.email,
    first_name: values.first_name,
    last_name: values.last_name,
    language: lang,
    consent_wording: field("wording"),
    source: SOURCE,
  });
  if (!parsed.success) {
    return again(parsed.error.issues.some((i) => i.path[0] === "email") ? "badEmail" : "badName");
  }
  const ctx: Ctx = {
    rt,
    workspaceId: o.list.workspace_id,
    actor: { type: "recipient", id: null, name: `recipient (${SOURCE})`, role: "editor" },
  };
  try {
    await requestSignup(ctx, o.list.id, { ...parsed.data, ip: req.ip || undefined });
  } catch (err) {
    // e.g. the list has no sender: the visitor cannot fix that, the page just says it is not possible
    if (err instanceof AppError) return sendPage(reply, err.status, listUnavailablePage(lang));
    throw err;
  }
  return sendPage(reply, 200, checkInboxPage(lang, o.list.name));
}
