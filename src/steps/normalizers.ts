// The production normalisers handed to the pipeline (src/shunya/normalize/*).

import type { Normalizers } from '../jobs/deps.ts';
import {
  normalizeCompleteAnalysis,
  normalizeError,
  normalizeSegmentation,
  normalizeTranscript,
  normalizeWebhook,
} from '../shunya/normalize/index.ts';
import { pythonJsonDumpsSortKeysFromText } from '../shunya/python-json.ts';

export const shunyaNormalizers: Normalizers = {
  transcript: normalizeTranscript,
  analysis: normalizeCompleteAnalysis,
  segmentation: normalizeSegmentation,
  webhook: normalizeWebhook,
  error: normalizeError,
  pythonJson: pythonJsonDumpsSortKeysFromText,
};
