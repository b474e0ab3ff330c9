// Liquid merge-field rendering. A template is parsed once (compileTemplate) and rendered synchronously per
// recipient, so a 100,000-recipient campaign never re-parses (DESIGN §3.5). Strict variables and filters:
// an unknown merge field or filter is an error with part, line and column — at save time and at render time.
import { compile as compileHtmlToText } from "html-to-text";
import { Liquid, LiquidError, type StaticAnalysis, type Template } from "liquidjs";
import { type AppError, Invalid } from "../util/errors.js";
import { DEFAULT_TIME_ZONE, registerCorrespondenceFilters } from "./filters.js";
import { contactFieldsRead, type MergeVars, mergeScope, unknownMergeFields } from "./merge-fields.js";
import { type PlainTemplate, plainTemplate, renderPlain } from "./plain-outputs.js";

export type TemplatePart = "subject" | "html" | "text" | "mjml";

export interface TemplateProblem {
  part: TemplatePart;
  line: number | null;
  column: number | null;
  message: string;
  /** at render time: the merge field that has no value for this message ("data.invoice_number") */
  field?: string;
}

/** The parts of a template that get rendered (html is the compiled MJML when the template has MJML). */
export interface TemplateSource {
  subject: string;
  html: string | null;
  text: string | null;
}

export interface RenderedParts {
  subject: string;
  html: string | null;
  text: string | null;
}

export interface CompiledTemplate {
  render(vars: MergeVars): RenderedParts;
  /** The contact fields the parts read (merge-fields.ts contactFieldsRead); null: possibly all of them. */
  readonly contactFields: ReadonlySet<string> | null;
}

function makeEngine(escapeOutput: boolean): Liquid {
  const liquid = new Liquid({
    strictVariables: true,
    strictFilters: true,
    // {% if data.coupon %} and | default: are how a template handles optional data; they must not throw.
    lenientIf: true,
    ownPropertyOnly: true,
    // No file system: templates are self-contained; include/render/layout are removed below.
    templates: {},
    timezoneOffset: DEFAULT_TIME_ZONE,
    outputEscape: escapeOutput ? "escape" : undefined,
    // A template is user input: bound what one parse or one render may cost.
    parseLimit: 2_000_000,
    renderLimit: 2_000,
    memoryLimit: 50_000_000,
  });
  for (const tag of ["include", "render", "layout"]) Reflect.deleteProperty(liquid.tags, tag);
  registerCorrespondenceFilters(liquid);
  return liquid;
}

/** HTML output escapes every merge value (a name like "<b>" stays text); subject and text do not. */
const htmlEngine = makeEngine(true);
const textEngine = makeEngine(false);

export const engineFor = (part: TemplatePart) =>
  part === "html" || part === "mjml" ? htmlEngine : textEngine;

const POSITION_SUFFIX = /,? line:\d+, col:\d+$/;

function friendlyMessage(raw: string): string {
  const message = raw.split("\n")[0].replace(POSITION_SUFFIX, "");
  let m = /^undefined filter: (.+)$/.exec(message);
  if (m) return `Unknown filter '${m[1]}'.`;
  m = /^undefined variable: (.+)$/.exec(message);
  if (m) return `Merge field '${m[1]}' has no value for this message.`;
  m = /^tag "?([^"]+)"? not found$/.exec(message);
  if (m) return CLOSING_TAG.test(m[1]) ? `'{% ${m[1]} %}' has no opening tag.` : `Unknown tag '${m[1]}'.`;
  return syntaxMessage(message);
}

/** The closing and middle parts of Liquid's block tags: "not found" alone means one stands without its opening. */
const CLOSING_TAG = /^(?:end\w+|else|elsif|when)$/;

/** LiquidJS's syntax errors as a sentence that says what to write ("… is not closed: '%}' is missing"), in
 * the words the dashboard translates (web/src/i18n/errors.ts templateRulesDe); anything else as LiquidJS said it. */
function syntaxMessage(message: string): string {
  let m = /^output "(.*)" not closed$/s.exec(message);
  if (m) return `The placeholder '${excerpt(m[1])}' is not closed: '}}' is missing.`;
  m = /^tag (\{%-?\s*(\w+).*%\}) not closed$/s.exec(message);
  if (m) return `The tag '${excerpt(m[1])}' is not closed: '{% end${m[2]} %}' is missing.`;
  if (/^raw ".*" not closed$/s.test(message))
    return "The tag '{% raw %}' is not closed: '{% endraw %}' is missing.";
  m = /^invalid value expression: "(.*)"$/s.exec(message);
  if (m) return m[1].trim() ? `'${excerpt(m[1])}' is not a value.` : "A value is missing here.";
  m = /^illegal tag: (.+)$/s.exec(message);
  if (m) return `The tag '${excerpt(m[1])}' is incomplete.`;
  if (message === "illegal tag syntax, tag name expected") return "A tag name is missing after '{%'.";
  if (message === "expected variable name" || message === "invalid capture name")
    return "A variable name is missing here.";
  m = /^([[(]) not closed$/.exec(message);
  if (m) return `'${m[1]}' is not closed: '${m[1] === "[" ? "]" : ")"}' is missing.`;
  return message;
}

/** A piece of the template quoted in a message: its first line, at most 40 characters (LiquidJS writes a line
 * break in its quote as the two characters "\n" and may cut the quote with "..." itself). */
function excerpt(text: string): string {
  const [first, ...rest] = text.split(/\n|\\n/);
  const line = first.replace(/\.\.\.$/, "");
  const cut = rest.length > 0 || line !== first || line.length > 40;
  return cut ? `${line.slice(0, 40)}…` : line;
}

function problemOf(part: TemplatePart, err: unknown): TemplateProblem {
  if (err instanceof LiquidError) {
    const [line, column] = err.token ? err.token.getPosition() : [null, null];
    const missing = /^undefined variable: (.+)$/.exec(
      err.message.split("\n")[0].replace(POSITION_SUFFIX, ""),
    );
    return {
      part,
      line,
      column,
      message: friendlyMessage(err.message),
      ...(missing ? { field: missing[1] } : {}),
    };
  }
  return { part, line: null, column: null, message: err instanceof Error ? err.message : String(err) };
}

/** Parses one part and checks its merge fields against the schema. */
function parsePart(
  part: TemplatePart,
  source: string,
): { templates: Template[]; analysis: StaticAnalysis } | { problems: TemplateProblem[] } {
  const engine = engineFor(part);
  try {
    const templates = engine.parse(source);
    const analysis = engine.analyzeSync(templates, { partials: false });
    const unknown = unknownMergeFields(analysis);
    if (unknown.length > 0) {
      return { problems: unknown.map((u) => ({ part, line: u.line, column: u.column, message: u.message })) };
    }
    return { templates, analysis };
  } catch (err) {
    return { problems: [problemOf(part, err)] };
  }
}

export function describeProblems(problems: TemplateProblem[]): string {
  const first = problems
    .slice(0, 3)
    .map((p) => `${p.part}${p.line === null ? "" : ` line ${p.line}, column ${p.column}`}: ${p.message}`);
  const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : "";
  return `${first.join("; ")}${more}`;
}

export function templateInvalid(problems: TemplateProblem[]): AppError {
  return Invalid(
    `The template has ${problems.length === 1 ? "an error" : "errors"}: ${describeProblems(problems)}`,
    problems,
  );
}

/** Syntax and merge-field problems of the given parts, in part order; empty when all is well. */
export function checkParts(parts: Partial<Record<TemplatePart, string | null>>): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  for (const part of ["subject", "mjml", "html", "text"] as const) {
    const source = parts[part];
    if (source === null || source === undefined) continue;
    const r = parsePart(part, source);
    if ("problems" in r) problems.push(...r.problems);
  }
  return problems;
}

const headings = ["h1", "h2", "h3", "h4", "h5", "h6"].map((selector) => ({
  selector,
  options: { uppercase: false },
}));

const htmlToText = compileHtmlToText({
  wordwrap: 78,
  selectors: [
    { selector: "img", format: "skip" },
    { selector: "a", options: { hideLinkHrefIfSameAsText: true } },
    // Upper-casing would change the template's words but not the merged values ("RECHNUNG Jürgen").
    ...headings,
  ],
});

/** Blocks a {% tag %} left empty in the derived text leave runs of blank lines; keep at most one. */
function tidyText(text: string): string {
  return text
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

// Placeholders for Liquid tokens while the HTML is turned into text; chosen so that neither html-to-text
// (upper-casing headings, wrapping lines) nor a real template plausibly produces or alters them.
const LIQUID_TOKEN = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;
const PLACEHOLDER = /\u2045LQ(\d+)\u2046/g;

/** Turns an HTML template into a text template once, keeping its Liquid tokens, so the text part of each
 * recipient is a cheap render instead of an HTML-to-text conversion. null when the tokens did not survive
 * intact (e.g. a {% tag %} inside an attribute that text drops); then each rendered HTML is converted. */
export function textTemplateFromHtml(html: string): string | null {
  const tokens: string[] = [];
  const masked = html.replace(LIQUID_TOKEN, (t) => {
    tokens.push(t);
    return `\u2045LQ${tokens.length - 1}\u2046`;
  });
  const text = htmlToText(masked);
  const seen: number[] = [];
  const restored = text.replace(PLACEHOLDER, (_m, i: string) => {
    seen.push(Number(i));
    return tokens[Number(i)] ?? "";
  });
  const inOrder = seen.every((n, k) => k === 0 || n > seen[k - 1]);
  // An output ({{ }}) in a dropped attribute only loses its value; a dropped tag ({% %}) could change logic.
  const tagsKept = tokens.every((t, i) => t.startsWith("{{") || seen.includes(i));
  return inOrder && tagsKept ? restored : null;
}

/** A parsed part, its static analysis, and its plain form when it has one (plain-outputs.ts). */
interface ParsedPart {
  templates: Template[];
  analysis: StaticAnalysis;
  plain: PlainTemplate | null;
}

function renderPart(part: TemplatePart, parsed: ParsedPart, scope: Record<string, unknown>): string {
  const fast = parsed.plain ? renderPlain(parsed.plain, scope) : undefined;
  if (fast !== undefined) return fast;
  const templates = parsed.templates;
  try {
    return engineFor(part).renderSync(templates, scope) as string;
  } catch (err) {
    const problem = problemOf(part, err);
    throw Invalid(`The template cannot be rendered for this message: ${describeProblems([problem])}`, [
      problem,
    ]);
  }
}

/** Where the text part comes from: the template's own text, a text template derived from its HTML once,
 * or (when that derivation failed) each rendered HTML converted. */
type TextSource =
  | { kind: "template"; parsed: ParsedPart; tidy: boolean }
  | { kind: "from_html" }
  | { kind: "none" };

function textSourceOf(source: TemplateSource, parsedText: ParsedPart | null): TextSource {
  if (parsedText) return { kind: "template", parsed: parsedText, tidy: false };
  if (source.html === null) return { kind: "none" };
  const derived = textTemplateFromHtml(source.html);
  if (derived !== null) {
    try {
      // Only {% tags %} can leave empty blocks behind; without them the derived text is tidy already.
      const tidy = derived.includes("{%");
      const text = tidy ? derived : tidyText(derived);
      const templates = textEngine.parse(text);
      const analysis = textEngine.analyzeSync(templates, { partials: false });
      return { kind: "template", parsed: { templates, analysis, plain: plainTemplate(text, false) }, tidy };
    } catch {
      /* tokens reordered into something Liquid rejects: convert per message instead */
    }
  }
  return { kind: "from_html" };
}

/** Parses a template once; throws Invalid with every problem (part, line, column) when it cannot be used. */
export function compileTemplate(source: TemplateSource): CompiledTemplate {
  const problems: TemplateProblem[] = [];
  const parse = (part: TemplatePart, s: string | null): ParsedPart | null => {
    if (s === null) return null;
    const r = parsePart(part, s);
    if ("problems" in r) {
      problems.push(...r.problems);
      return null;
    }
    return { templates: r.templates, analysis: r.analysis, plain: plainTemplate(s, part === "html") };
  };
  const subject = parse("subject", source.subject);
  const html = parse("html", source.html);
  const text = parse("text", source.text);
  if (problems.length > 0 || !subject) throw templateInvalid(problems);
  const textSource = textSourceOf(source, text);
  // The text converted from each rendered HTML reads nothing the HTML does not.
  const rendered = [subject, html, textSource.kind === "template" ? textSource.parsed : null];
  const contactFields = contactFieldsRead(rendered.flatMap((p) => (p ? [p.analysis] : [])));

  return {
    contactFields,
    render(vars: MergeVars): RenderedParts {
      const scope = mergeScope(vars);
      // A subject is one header line: merged values must not add line breaks.
      const renderedSubject = renderPart("subject", subject, scope).replace(/\s+/g, " ").trim();
      const renderedHtml = html ? renderPart("html", html, scope) : null;
      let renderedText: string | null = null;
      if (textSource.kind === "template") {
        const text = renderPart("text", textSource.parsed, scope);
        renderedText = textSource.tidy ? tidyText(text) : text;
      } else if (textSource.kind === "from_html" && renderedHtml !== null)
        renderedText = htmlToText(renderedHtml);
      return { subject: renderedSubject, html: renderedHtml, text: renderedText };
    },
  };
}
