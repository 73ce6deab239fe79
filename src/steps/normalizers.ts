// The production normalisers handed to the pipeline (src/shunya/normalize/*).

import { canonicalPythonJson } from '../../wire/json.ts';
import type { Normalizers } from '../jobs/deps.ts';
import {
  normalizeCompleteAnalysis,
  normalizeError,
  normalizeSegmentation,
  normalizeTranscript,
  normalizeWebhook,
} from '../shunya/normalize/index.ts';

export const shunyaNormalizers: Normalizers = {
  transcript: normalizeTranscript,
  analysis: normalizeCompleteAnalysis,
  segmentation: normalizeSegmentation,
  webhook: normalizeWebhook,
  error: normalizeError,
  pythonJson: canonicalPythonJson,
};
