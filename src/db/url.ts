/** The same server and credentials, another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** The same server over TCP: the URL without the `host` parameter that names a Unix-socket directory. */
export function withoutSocket(url: string): string {
  const u = new URL(url);
  u.searchParams.delete('host');
  return u.toString();
}
