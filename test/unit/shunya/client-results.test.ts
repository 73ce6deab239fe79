// Results (D3, D10, D16): any 2xx is a success; what each operation returns; cancellation by the caller.
import { describe, expect, it } from 'vitest';
import { ShunyaResponseError } from '../../../src/shunya/errors.ts';
import { newRequestOptions } from '../../../src/shunya/request-options.ts';
import { accepted, envelope, json, testClient } from './fake-shunya.ts';

const CO = 'company_abc123';
const transcribe = (client: ReturnType<typeof testClient>['client']) =>
  client.transcribe(
    CO,
    { call_id: 1, audio_url: 'https://a.example/x.mp3', call_type: 'csr_call' },
    newRequestOptions(),
  );

describe('success is any 2xx', () => {
  it('202 for a submission', async () => {
    const t = testClient([accepted(202)]);
    await expect(transcribe(t.client)).resolves.toMatchObject({ shunya_job_id: 'shunya_task_1' });
  });

  it('204 for the health check', async () => {
    const t = testClient([new Response(null, { status: 204 })]);
    await expect(t.client.health(newRequestOptions())).resolves.toEqual({ status: 'healthy' });
  });

  it('segmentation: 200 with the result is sync, 202 (or 200 with a job) is async (D3)', async () => {
    const result = { success: true, call_id: 5, part1: {}, part2: {} };
    const t = testClient([
      json(200, result),
      json(202, { success: true, job_id: 'seg_1', status: 'queued' }),
      json(200, { success: true, job_id: 'seg_2', status: 'queued' }),
    ]);
    const body = { call_id: 5 };
    await expect(t.client.analyzeSegmentation(CO, body, newRequestOptions())).resolves.toEqual({
      mode: 'sync',
      result,
    });
    await expect(t.client.analyzeSegmentation(CO, body, newRequestOptions())).resolves.toEqual({
      mode: 'async',
      submitted: { shunya_job_id: 'seg_1', transcript_id: null },
    });
    await expect(t.client.analyzeSegmentation(CO, body, newRequestOptions())).resolves.toEqual({
      mode: 'async',
      submitted: { shunya_job_id: 'seg_2', transcript_id: null },
    });
    expect(JSON.parse(t.requests[0]?.body ?? '')).toEqual({ call_id: 5, analysis_type: 'full' });
  });

  it('status endpoints map pending → queued and carry the job error', async () => {
    const t = testClient([
      json(200, { success: true, status: 'pending' }),
      json(200, {
        success: true,
        status: 'failed',
        error: { error_code: 'ASR_FAILED', error_type: 'processing_error', message: 'm', retryable: true },
      }),
      json(200, { success: true, status: 'exploded' }),
    ]);
    await expect(t.client.getAnalysisStatus(CO, 1, newRequestOptions())).resolves.toEqual({
      state: 'queued',
      error: null,
      httpStatus: 200,
      shunyaRequestId: null,
    });
    await expect(t.client.getSegmentationStatus(CO, 1, newRequestOptions())).resolves.toMatchObject({
      state: 'failed',
      error: { error_code: 'ASR_FAILED', error_type: 'server_error', retryable: true },
    });
    await expect(t.client.getTranscriptionStatus(CO, 1, newRequestOptions())).rejects.toBeInstanceOf(
      ShunyaResponseError,
    );
  });

  it("status endpoints pass up the answer's own 2xx status and Shunya's X-Request-ID (D382)", async () => {
    const t = testClient([
      json(203, { success: true, status: 'processing' }, { 'X-Request-ID': 'shunya-req-7' }),
      json(200, { success: true, status: 'completed' }, { 'X-Request-ID': 'shunya-req-8' }),
    ]);
    await expect(t.client.getTranscriptionStatus(CO, 1, newRequestOptions())).resolves.toEqual({
      state: 'processing',
      error: null,
      httpStatus: 203,
      shunyaRequestId: 'shunya-req-7',
    });
    await expect(t.client.getSegmentationStatus(CO, 1, newRequestOptions())).resolves.toMatchObject({
      state: 'completed',
      httpStatus: 200,
      shunyaRequestId: 'shunya-req-8',
    });
  });

  it('result endpoints return the raw body for the normaliser', async () => {
    const t = testClient([
      json(200, { transcript_text: 'x' }),
      json(200, { summary: 's' }),
      json(200, { part1: {} }),
    ]);
    await expect(t.client.getTranscript(CO, 1, newRequestOptions())).resolves.toEqual({
      transcript_text: 'x',
    });
    await expect(t.client.getCompleteAnalysis(CO, 2, newRequestOptions())).resolves.toEqual({ summary: 's' });
    await expect(t.client.getSegmentationAnalysis(CO, 3, newRequestOptions())).resolves.toEqual({
      part1: {},
    });
    expect(t.requests.map((r) => r.path)).toEqual([
      '/api/v1/transcription/transcript/1',
      '/api/v1/analysis/complete/2',
      '/api/v1/meeting-segmentation/analysis/3',
    ]);
  });
});

describe('cancellation', () => {
  it("the caller's abort stops the retries and is not a Shunya failure", async () => {
    const controller = new AbortController();
    const t = testClient([envelope(500, 'X', 'server_error', true)], {
      sleep: async () => {
        controller.abort(new Error('shutting down'));
      },
    });
    const err = await t.client
      .transcribe(
        CO,
        { call_id: 1, audio_url: 'https://a.example/x.mp3', call_type: 'csr_call' },
        newRequestOptions(controller.signal),
      )
      .catch((e) => e);
    expect(err).toMatchObject({ message: 'shutting down' });
    expect(t.requests).toHaveLength(1);
  });

  it('the default sleep is a timer that the caller can cancel', async () => {
    const controller = new AbortController();
    const t = testClient([envelope(500, 'X', 'server_error', true)], {
      sleep: undefined,
      retryDelaysMs: [60_000],
    });
    const pending = t.client.startAnalysis(CO, 1, newRequestOptions(controller.signal)).catch((e) => e);
    await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
    expect(t.requests).toHaveLength(1);
  });
});
