-- 0008: the W3C trace context (a `traceparent`) of the request that created the job, so that every step,
-- poll, webhook and completion of the job joins the same trace, whichever process runs it and however
-- late (D196). NULL when tracing was off at the job's creation.
ALTER TABLE shunya_jobs ADD COLUMN trace_context text;
