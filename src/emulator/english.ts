/**
 * zod/mini carries no locale: an issue without an `error` of ours would read "Invalid input". The
 * emulator's callers read its messages ("latencyMs: Too small: expected number to be >=0", "The parameter
 * `Limit` is invalid: ..."), so every parse of the emulator's takes zod's English locale, as classic zod
 * did by default. Per parse, not through zod's global `config()`: that would also change the messages of
 * the function, which runs in the same process in `cos-purge demo` and must keep its own.
 */
import { en } from "zod/locales";

/** Parse options giving zod's English messages; spread into a `safeParse` call's options. */
export const ENGLISH_MESSAGES = { error: en().localeError } as const;
