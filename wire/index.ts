// wire/: what both sides of the Otto ↔ Shunya wire must agree on, in one dependency-free module (node:
// built-ins only; issue 19, D210): the Shunya JWT (§4.5), request and webhook signatures (§4.5, §8.1, D1),
// CallRail's signature (§3.1), Python's JSON (D1) and the canonical traffic. Otto (src/), the simulator,
// the scripts (the kit, bench, chaos, demo, fuzz) and the tests import it; nothing here imports them.
export * from './callrail.ts';
export * from './hmac.ts';
export * from './json.ts';
export * from './jwt.ts';
export * from './signatures.ts';
export * from './traffic.ts';
