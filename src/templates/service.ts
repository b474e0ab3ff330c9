// Templates with merge fields (LiquidJS). Placeholder until the templates module lands: the signature
// below is the contract the sending path codes against.
import type { Runtime } from "../runtime.js";
import { Invalid } from "../util/errors.js";

export interface Rendered {
  subject: string;
  html: string | null;
  text: string | null;
}

/** Renders a stored template for one message. `vars` holds `contact` (the contact record, if any) and
 * `data` (the caller's merge data). Throws Invalid (with line and column) on unknown fields or syntax errors. */
export async function renderForMessage(
  _rt: Runtime,
  _workspaceId: string,
  templateId: string,
  _vars: { contact?: Record<string, unknown> | null; data?: Record<string, unknown> },
): Promise<Rendered> {
  throw Invalid(`Templates are not available yet (template_id '${templateId}').`);
}
