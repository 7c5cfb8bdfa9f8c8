/** What commands read besides their flags: an event file (or stdin), and lists of keys on stdin. */
import { readFileSync } from "node:fs";
import { UsageError } from "./args";

/** All of stdin as UTF-8. */
export async function readStdin(stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

/** Editors on Windows start UTF-8 files with a byte-order mark, which `JSON.parse` refuses. */
const withoutBom = (text: string): string => text.replace(/^\uFEFF/, "");

/**
 * The event in `path` (`-` reads stdin), parsed.
 * @throws UsageError when the flag is missing, the file unreadable or not JSON.
 */
export async function readEvent(path: string | boolean | undefined): Promise<unknown> {
  if (typeof path !== "string" || path === "") {
    throw new UsageError(
      "--event FILE is required: a JSON file holding the event SCF would deliver (- reads stdin).",
    );
  }
  let text: string;
  try {
    text = path === "-" ? await readStdin() : readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`--event ${path}: cannot read it (${(error as Error).message}).`);
  }
  try {
    return JSON.parse(withoutBom(text));
  } catch (error) {
    throw new UsageError(`--event ${path}: not valid JSON (${(error as Error).message}).`);
  }
}

/** Lines of `text`, without a BOM, line-end `\r`, and blank lines. Nothing else is trimmed: keys may hold spaces. */
export function nonBlankLines(text: string): string[] {
  return withoutBom(text)
    .split("\n")
    .map((line) => line.replace(/\r$/, ""))
    .filter((line) => line.trim() !== "");
}
