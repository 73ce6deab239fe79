// JSON is UTF-8 (RFC 8259 §8.1). Buffer#toString('utf8') replaces what is not UTF-8 with U+FFFD, so a
// signed body would be stored as something its sender never sent (issue 16 #17, D129): decode strictly.
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The text of `raw`; throws a TypeError when the bytes are not valid UTF-8. */
export const decodeUtf8 = (raw: Uint8Array): string => strict.decode(raw);
