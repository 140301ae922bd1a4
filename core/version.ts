/**
 * brook's version, as package.json and deno.json state it (tests/core/version_test.ts checks all three
 * agree). A constant rather than a JSON import: `brook --version` then loads this one file and nothing else.
 */
export const VERSION = "0.1.0"
