// The link between a message's error code and the error registry (Fehlerverzeichnis, seed 001): turns
// "5.1.1" into an explanation an office worker understands and a remedy, in the workspace's wording.
import type { Lang } from "../errors/catalogue.js";
import { explain } from "../errors/service.js";
import type { Runtime } from "../runtime.js";

export interface ErrorExplanation {
  code: string;
  label: string | null;
  explanation: string | null;
  remedy: string | null;
}

export async function explainError(
  rt: Runtime,
  workspaceId: string,
  code: string | null,
  lang: Lang = "de",
): Promise<ErrorExplanation | null> {
  if (!code) return null;
  const e = await explain(rt.db, workspaceId, code, lang);
  return e ?? { code, label: null, explanation: null, remedy: null };
}
