// The advance step's payload, as every statement that adds the step writes it (D340, D421): the job's id
// alone, or, when the same statement created the stage's operation, also the job and that operation as the
// statement left them, so that the step submits without reading them (steps/advance.ts's `carried`). One
// text, so the three statements that add the step (admission, a freed slot's admission, the next stage)
// cannot drift from what the step reads.

/** `id`, `job`, `op`: the SQL expressions of the job's id, its row as jsonb, and the new operation's row (NULL when none). */
export const stepPayload = (id: string, job: string, op: string) =>
  `CASE WHEN ${op} IS NULL THEN json_build_object('job_id', ${id})
        ELSE json_build_object('job_id', ${id}, 'job', ${job}, 'op', ${op}) END`;
