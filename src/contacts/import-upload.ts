// Receives the multipart upload of POST /v1/imports: the file is streamed to a temporary file (never held in
// memory), the text fields are collected. Busboy parses the stream; Fastify leaves multipart bodies alone.
import fs from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Busboy, type BusboyFileStream, type BusboyInstance } from "@fastify/busboy";
import { AppError, Invalid } from "../util/errors.js";
import { randomToken } from "../util/ids.js";

/** Well above a million contact rows; a bigger upload is answered 413. */
export const MAX_IMPORT_BYTES = 256 * 1024 * 1024;
const FILE_FIELD = "file";

export interface Upload {
  filePath: string;
  filename: string | null;
  fields: Record<string, string>;
}

export async function removeUpload(filePath: string) {
  await fs.promises.rm(filePath, { force: true });
}

function saveFile(stream: BusboyFileStream, filePath: string, tooLarge: () => void): Promise<void> {
  stream.on("limit", tooLarge);
  return pipeline(stream, fs.createWriteStream(filePath));
}

/** Streams the request into `dir`; throws 400/413/415 for a body that is not a usable upload. */
export async function receiveUpload(
  body: Readable,
  headers: IncomingHttpHeaders,
  dir: string,
): Promise<Upload> {
  const type = headers["content-type"] ?? "";
  if (!type.toLowerCase().startsWith("multipart/form-data")) {
    throw new AppError(
      "unsupported_media_type",
      `Send the CSV file as multipart/form-data with a field named '${FILE_FIELD}' (got '${type || "no content type"}').`,
    );
  }
  await fs.promises.mkdir(dir, { recursive: true });
  const filePath = path.join(dir, `upload-${randomToken(12)}.csv`);
  const fields: Record<string, string> = {};
  let filename: string | null = null;
  let gotFile = false;
  let tooLarge = false;
  const writes: Promise<void>[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let busboy: BusboyInstance;
      try {
        busboy = new Busboy({
          headers: headers as IncomingHttpHeaders & { "content-type": string },
          limits: { files: 1, fields: 20, fieldSize: 100_000, fileSize: MAX_IMPORT_BYTES },
        });
      } catch (e) {
        reject(Invalid(`The multipart body cannot be read: ${(e as Error).message}`));
        return;
      }
      busboy.on("file", (field, stream, name) => {
        if (field !== FILE_FIELD || gotFile) {
          stream.resume();
          return;
        }
        gotFile = true;
        filename = name ? path.basename(name).slice(0, 200) : null;
        const write = saveFile(stream, filePath, () => (tooLarge = true));
        // A body that ends inside the file part fails this write as well as the parser: the parser's error
        // answers the request, and this rejection must not go unhandled (it would stop the process).
        write.catch(() => {});
        writes.push(write);
      });
      busboy.on("field", (name, value) => {
        fields[name] = value;
      });
      busboy.on("error", (e: Error) => reject(Invalid(`The multipart body cannot be read: ${e.message}`)));
      busboy.on("finish", () => resolve());
      body.on("error", reject);
      body.pipe(busboy);
    });
    await Promise.all(writes);
  } catch (e) {
    // The file's write stream is closed before the file goes.
    await Promise.allSettled(writes);
    await removeUpload(filePath);
    throw e;
  }
  if (tooLarge) {
    await removeUpload(filePath);
    throw new AppError(
      "too_large",
      `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB; split it.`,
    );
  }
  if (!gotFile) throw Invalid(`The upload has no file; send it in a multipart field named '${FILE_FIELD}'.`);
  return { filePath, filename, fields };
}
