// The campaign state machine of seed 004 and DESIGN §4 as data: one table of allowed moves, one function
// that applies it. Nothing else in the program decides whether a state may follow another.
import { Conflict } from "../util/errors.js";

export const campaignKinds = ["email", "letter"] as const;
export type CampaignKind = (typeof campaignKinds)[number];

export const campaignStates = [
  "loading_recipients",
  "ready",
  "in_progress",
  "waiting_for_continuation",
  "completed_automatic",
  "incomplete_sent",
  "failed_sending",
  "created",
  "incomplete_created",
  "failed_creating",
  "completed",
] as const;
export type CampaignState = (typeof campaignStates)[number];

export interface Transition {
  from: CampaignState;
  to: CampaignState;
  kinds: readonly CampaignKind[];
  /** What makes the move, in the product's words (shown in the activity log and in refusals). */
  by: string;
}

const both = campaignKinds;
const email = ["email"] as const;
const letter = ["letter"] as const;

/** Every allowed move. A move that is not a row here is refused. */
export const transitions: readonly Transition[] = [
  { from: "loading_recipients", to: "ready", kinds: both, by: "recipients loaded" },
  // Changing lists or filter before the first run loads the recipients again.
  { from: "ready", to: "loading_recipients", kinds: both, by: "recipients reloaded" },
  { from: "ready", to: "in_progress", kinds: email, by: "send" },
  { from: "ready", to: "in_progress", kinds: letter, by: "generate" },
  // Throttling (DESIGN §3.6): the transport's rate window is used up; resumes by itself.
  { from: "in_progress", to: "waiting_for_continuation", kinds: email, by: "rate limit reached" },
  { from: "waiting_for_continuation", to: "in_progress", kinds: email, by: "rate window reopened" },
  { from: "in_progress", to: "completed_automatic", kinds: email, by: "every recipient sent" },
  { from: "in_progress", to: "incomplete_sent", kinds: email, by: "run ended with exclusions or errors" },
  { from: "in_progress", to: "failed_sending", kinds: email, by: "run ended without any message sent" },
  { from: "incomplete_sent", to: "in_progress", kinds: email, by: "send again" },
  { from: "failed_sending", to: "in_progress", kinds: email, by: "send again" },
  { from: "incomplete_sent", to: "completed", kinds: email, by: "complete" },
  { from: "failed_sending", to: "completed", kinds: email, by: "complete" },
  { from: "in_progress", to: "created", kinds: letter, by: "every letter created" },
  {
    from: "in_progress",
    to: "incomplete_created",
    kinds: letter,
    by: "letters created with exclusions or errors",
  },
  { from: "in_progress", to: "failed_creating", kinds: letter, by: "no letter could be created" },
  // Seed 004: a serial letter may be generated again as often as wanted, replacing the whole document.
  { from: "created", to: "in_progress", kinds: letter, by: "generate again" },
  { from: "incomplete_created", to: "in_progress", kinds: letter, by: "generate again" },
  { from: "failed_creating", to: "in_progress", kinds: letter, by: "generate again" },
  { from: "created", to: "completed", kinds: letter, by: "complete" },
  { from: "incomplete_created", to: "completed", kinds: letter, by: "complete" },
  { from: "failed_creating", to: "completed", kinds: letter, by: "complete" },
];

/** Seed 004: "Die Serienkorrespondenz ist ab jetzt nicht mehr veränderbar." */
export const frozenStates: ReadonlySet<CampaignState> = new Set(["completed", "completed_automatic"]);
/** While workers process the campaign, nothing about it may change (seed 004 "In Arbeit"). */
export const busyStates: ReadonlySet<CampaignState> = new Set(["in_progress", "waiting_for_continuation"]);

export function isCampaignState(s: string): s is CampaignState {
  return (campaignStates as readonly string[]).includes(s);
}

export function findTransition(kind: CampaignKind, from: string, to: CampaignState): Transition | null {
  return transitions.find((t) => t.from === from && t.to === to && t.kinds.includes(kind)) ?? null;
}

/** Why a campaign in this state cannot be changed, or null when it can. */
export function whyUnchangeable(state: string): string | null {
  if (frozenStates.has(state as CampaignState)) {
    return `the campaign is ${state === "completed" ? "completed" : "completed automatically"} and frozen; nothing about it can change any more`;
  }
  if (state === "in_progress") return "the campaign is in progress; wait until the run has ended";
  if (state === "waiting_for_continuation") {
    return "the campaign is waiting for continuation (the transport's rate limit) and still in progress";
  }
  return null;
}

/** Applies the table: the move's row, or a Conflict that says why the move is not allowed. */
export function transition(campaign: { kind: CampaignKind; state: string }, to: CampaignState): Transition {
  const t = findTransition(campaign.kind, campaign.state, to);
  if (t) return t;
  const reason = whyUnchangeable(campaign.state);
  const allowed = transitions
    .filter((x) => x.from === campaign.state && x.kinds.includes(campaign.kind))
    .map((x) => `${x.to} (${x.by})`);
  throw Conflict(
    `A ${campaign.kind} campaign cannot go from '${campaign.state}' to '${to}'${reason ? `: ${reason}` : ""}.${
      allowed.length ? ` From '${campaign.state}' it can go to: ${allowed.join(", ")}.` : ""
    }`,
    { state: campaign.state, requested: to },
  );
}
