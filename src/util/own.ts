// Lookups by a name someone else supplies (a request's path, a field of Shunya's answer) in a table
// written as an object literal. `table[name]` also finds what every object inherits (constructor,
// __proto__, toString…), which answered /docs/constructor with a 500 (issue 16 #13, D128).

/** The table's own entry for `key`, never an inherited member. */
export const own = <T>(table: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined;
