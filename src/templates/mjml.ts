// MJML source compiled to responsive HTML when a template is saved (never per message). The mjml package
// takes about half a second to load, so it is loaded on first use only, not when the server starts.
import type { TemplateProblem } from "./engine.js";

type Mjml2Html = typeof import("mjml");
let loading: Promise<Mjml2Html> | null = null;

function loadMjml(): Promise<Mjml2Html> {
  loading ??= import("mjml").then((m) => (m as unknown as { default: Mjml2Html }).default ?? m);
  return loading;
}

export type MjmlResult = { html: string } | { problems: TemplateProblem[] };

interface MjmlValidationError {
  line?: number;
  message?: string;
}

export async function compileMjml(source: string): Promise<MjmlResult> {
  const mjml2html = await loadMjml();
  try {
    const out = await mjml2html(source, {
      validationLevel: "strict",
      // mj-include would read the server's files; fonts would add Google Fonts links (a privacy problem in the EU).
      ignoreIncludes: true,
      fonts: {},
      keepComments: false,
    });
    return { html: out.html };
  } catch (err) {
    const errors = (err as { errors?: MjmlValidationError[] }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      return {
        problems: errors.map((e) => ({
          part: "mjml" as const,
          line: typeof e.line === "number" ? e.line : null,
          column: null,
          message: `MJML: ${e.message ?? "invalid element"}`,
        })),
      };
    }
    const message = err instanceof Error ? err.message : String(err);
    return { problems: [{ part: "mjml", line: null, column: null, message: `MJML: ${message}` }] };
  }
}
