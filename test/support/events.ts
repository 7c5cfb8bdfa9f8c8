/** Event factories for tests: the same builders `cos-purge demo` uses. */
export * from "../../src/cli/samples";
