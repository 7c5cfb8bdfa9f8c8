/**
 * Text read from the backlog (reasons, zones and areas, lease owners, folder prefixes: whatever is
 * stored in COS, which anyone with write access to the bucket can set) made safe to print on a
 * terminal. Control characters would move the cursor, rewrite earlier lines or change the terminal's
 * state (ESC sequences, OSC 52 clipboard writes); line and bidi separators would make one entry read
 * as several, or reorder what is shown. Each is shown as a visible escape instead. JSON output needs
 * none of this: JSON.stringify escapes control characters already.
 */

// C0 controls, DEL, C1 controls (0x9b is CSI on some terminals), line/paragraph separators, bidi controls.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** `text` with every control character shown as an escape (`\n`, `\u001b`, ...). */
export function terminalSafe(text: string): string {
  return text.replace(
    UNSAFE,
    (char) => NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
