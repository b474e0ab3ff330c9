// `poststelle bounces classify` as a user's shell runs it (bin/poststelle.js): from a bundle of the classifier
// (bin/classify.js), with the same lines as the command in process, a bundle made again when its sources
// change, the full CLI for help, and a quiet end when the reader of its output goes away.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { classifyFiles } from "../src/cli/bounces.js";
import { ROOT } from "./cli-entry.js";

interface FastClassify {
  classifyArguments(args: string[]): { files: string[]; opts: { json?: boolean } } | undefined;
  isFresh(manifest: unknown, root?: string): boolean;
}
const binClassify = path.join(ROOT, "bin", "classify.js");
const load = async () => (await import(binClassify)) as FastClassify;
const fixtures = path.join(ROOT, "test", "fixtures", "bounces");
const fixture = (name: string) => path.join(fixtures, name);
const bin = (args: string[]) =>
  spawnSync(process.execPath, [path.join(ROOT, "bin", "poststelle.js"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });

describe("poststelle bounces classify (bin)", () => {
  it("takes files and --json, and leaves help, unknown options and a missing file to the full CLI", async () => {
    const { classifyArguments } = await load();
    expect(classifyArguments(["a.eml", "--json", "b"])).toEqual({
      files: ["a.eml", "b"],
      opts: { json: true },
    });
    expect(classifyArguments(["--", "--json", "-"])).toEqual({ files: ["--json", "-"], opts: {} });
    expect(classifyArguments(["a.eml", "--help"])).toBeUndefined();
    expect(classifyArguments(["-x", "a.eml"])).toBeUndefined();
    expect(classifyArguments(["--json"])).toBeUndefined();
    expect(classifyArguments([])).toBeUndefined();
  });

  it("calls a bundle fresh only while every source has the size and time it was built from", async () => {
    const { isFresh } = await load();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-fresh-"));
    try {
      fs.mkdirSync(path.join(root, "src"));
      fs.writeFileSync(path.join(root, "src", "a.ts"), "export const a = 1;\n");
      fs.writeFileSync(path.join(root, "src", "b.ts"), "export const b = 2;\n");
      const stamp = (f: string) => {
        const st = fs.statSync(path.join(root, f));
        return [st.size, st.mtimeMs];
      };
      const manifest = { root, inputs: { "src/a.ts": stamp("src/a.ts"), "src/b.ts": stamp("src/b.ts") } };
      expect(isFresh(manifest, root)).toBe(true);
      expect(isFresh({ ...manifest, root: "/elsewhere" }, root)).toBe(false);
      expect(isFresh({ root, inputs: {} }, root)).toBe(false);
      expect(isFresh(undefined, root)).toBe(false);
      fs.appendFileSync(path.join(root, "src", "b.ts"), "export const c = 3;\n");
      expect(isFresh(manifest, root)).toBe(false);
      const later = { root, inputs: { "src/a.ts": stamp("src/a.ts"), "src/b.ts": stamp("src/b.ts") } };
      expect(isFresh(later, root)).toBe(true);
      const t = new Date(Date.now() + 5000);
      fs.utimesSync(path.join(root, "src", "a.ts"), t, t);
      expect(isFresh(later, root)).toBe(false);
      fs.rmSync(path.join(root, "src", "a.ts"));
      expect(isFresh(later, root)).toBe(false);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("prints what the command prints in process, from a bundle, with exit code 1 after an unreadable file", () => {
    const files = [
      fixture("gmail-nosuchuser.eml"),
      "/nonexistent/x.eml",
      fixture("rfc3464-c2-multi-recipient.eml"),
    ];
    const want: string[] = [];
    classifyFiles(
      files,
      { json: true },
      (l) => want.push(l),
      () => {},
    );
    const r = bin(["bounces", "classify", "--json", ...files]);
    expect(r.stderr).toMatch(/^\/nonexistent\/x\.eml: cannot read: ENOENT/m);
    expect(r.status).toBe(1);
    expect(r.stdout.trimEnd().split("\n")).toEqual(want);
    const manifest = JSON.parse(
      fs.readFileSync(path.join(ROOT, "node_modules", ".cache", "poststelle", "bounces.json"), "utf8"),
    );
    expect(manifest.root).toBe(ROOT);
    expect(Object.keys(manifest.inputs)).toContain("src/inbound/classify.ts");
    const tsv = bin(["bounces", "classify", fixture("gmail-nosuchuser.eml")]);
    expect(tsv.status).toBe(0);
    expect(tsv.stdout).toBe(
      `${fixture("gmail-nosuchuser.eml")}\tkunde.mueller@gmail.com\tuserunknown\thard\t5.1.1\n`,
    );
  });

  it("reads standard input for -, as a mail filter pipes a message in", () => {
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, "bin", "poststelle.js"), "bounces", "classify", "-"],
      {
        cwd: ROOT,
        encoding: "utf8",
        input: fs.readFileSync(fixture("gmail-nosuchuser.eml")),
      },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("-\tkunde.mueller@gmail.com\tuserunknown\thard\t5.1.1\n");
  });

  it("classifies every message of an mbox on its own with --mbox, naming each FILE#N", () => {
    const names = ["gmail-nosuchuser.eml", "rfc3464-c2-multi-recipient.eml", "exim-rcpt-user-unknown.eml"];
    // As an mbox writer stores them: a From line before each, a body line starting "From " quoted.
    const mbox = names
      .map((n) => {
        const body = fs
          .readFileSync(fixture(n), "latin1")
          .replace(/\r\n/g, "\n")
          .replace(/^(>*From )/gm, ">$1");
        return `From MAILER-DAEMON Thu Apr 29 23:34:45 2015\n${body.replace(/\n*$/, "\n")}\n`;
      })
      .join("");
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-mbox-cli-")), "bounces.mbox");
    fs.writeFileSync(file, mbox, "latin1");
    try {
      const want: string[] = [];
      for (const [i, n] of names.entries()) {
        classifyFiles(
          [fixture(n)],
          {},
          (l) => want.push(l.replace(fixture(n), `${file}#${i + 1}`)),
          () => {},
        );
      }
      const r = bin(["bounces", "classify", "--mbox", file]);
      expect(r.status).toBe(0);
      expect(r.stdout.trimEnd().split("\n")).toEqual(want);
      expect(want.length).toBeGreaterThan(names.length);
      // Without --mbox the file is one report under its own name, as before.
      const whole = bin(["bounces", "classify", file]).stdout.trimEnd().split("\n");
      expect(whole.length).toBeGreaterThan(0);
      for (const l of whole) expect(l.startsWith(`${file}\t`)).toBe(true);
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });

  it("makes the bundle again when it was removed or damaged behind its manifest's back", () => {
    const cache = path.join(ROOT, "node_modules", ".cache", "poststelle");
    const line = `${fixture("gmail-nosuchuser.eml")}\tkunde.mueller@gmail.com\tuserunknown\thard\t5.1.1\n`;
    expect(bin(["bounces", "classify", fixture("gmail-nosuchuser.eml")]).stdout).toBe(line);
    fs.writeFileSync(path.join(cache, "bounces.mjs"), "export const broken = (;\n");
    const damaged = bin(["bounces", "classify", fixture("gmail-nosuchuser.eml")]);
    expect(damaged.stdout).toBe(line);
    expect(fs.readFileSync(path.join(cache, "bounces.mjs"), "utf8")).toContain("runClassify");
    fs.rmSync(path.join(cache, "bounces.mjs"));
    expect(bin(["bounces", "classify", fixture("gmail-nosuchuser.eml")]).stdout).toBe(line);
    expect(fs.existsSync(path.join(cache, "bounces.mjs"))).toBe(true);
  });

  it("leaves --help to the full CLI", () => {
    const r = bin(["bounces", "classify", "--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: poststelle bounces classify \[options\] <files\.\.\.>/);
  });

  it("ends quietly with exit code 0 when the reader of its output goes away", async () => {
    const many = fs
      .readdirSync(fixtures)
      .filter((f) => f.endsWith(".eml"))
      .map(fixture);
    const child = spawn(
      process.execPath,
      [path.join(ROOT, "bin", "poststelle.js"), "bounces", "classify", "--json", ...many, ...many, ...many],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).not.toMatch(/EPIPE|Unhandled|at /);
    expect(code).toBe(0);
  });
});
