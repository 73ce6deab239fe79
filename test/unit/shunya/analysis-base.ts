// The smallest complete analysis §10.3 accepts, for tables that vary one part of it.
export const base = () => ({
  qualification: { qualification_status: 'hot' },
  objections: { objections: [] as unknown[] },
  compliance: { compliance_score: 0.5 },
  summary: { summary: 'A call.' } as Record<string, unknown>,
  sentiment_score: 0.5,
});
export const withBase = (over: Record<string, unknown>) => ({ ...base(), ...over });
export type Deep<T> = {
  [K in keyof T]?: T[K] extends (infer U)[] ? Partial<U>[] : T[K] extends object | null ? Deep<T[K]> : T[K];
};
