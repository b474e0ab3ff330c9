// The hook between a message's error code and the error registry (Fehlerverzeichnis, seed 001): turns
// "5.1.1" into an explanation an office worker understands and a remedy. The registry module plugs in
// here; until then there is no explanation and GET /v1/messages/{id} shows the code alone.
import type { Runtime } from "../runtime.js";

export interface ErrorExplanation {
  code: string;
  explanation: string | null;
  remedy: string | null;
}

export type ErrorExplainer = (
  rt: Runtime,
  workspaceId: string,
  code: string,
  channel: string,
) => Promise<ErrorExplanation | null>;

let explainer: ErrorExplainer = async () => null;

/** The error registry registers its lookup here (keeps delivery free of an import cycle). */
export function setErrorExplainer(fn: ErrorExplainer) {
  explainer = fn;
}

export async function explainError(
  rt: Runtime,
  workspaceId: string,
  code: string | null,
  channel = "email",
): Promise<ErrorExplanation | null> {
  if (!code) return null;
  return (await explainer(rt, workspaceId, code, channel)) ?? { code, explanation: null, remedy: null };
}
