// AsyncAPI message payloads → TypeScript types, driven by asyncapi-codegen.config.json.
// Payload schemas are $refs into the OpenAPI documents; json-schema-to-typescript resolves them
// relative to the AsyncAPI document's folder, so every schema is still written only once.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { compile, type JSONSchema } from 'json-schema-to-typescript';
import YAML from 'yaml';

interface Config {
  input: string;
  output: string;
  rootTypeName: string;
}

interface AsyncApiDocument {
  components: {
    messages: Record<string, { payload: JSONSchema }>;
    schemas: Record<string, JSONSchema>;
  };
}

export async function generateAsyncApiTypes(root: string): Promise<string> {
  const config = JSON.parse(
    await readFile(path.join(root, 'asyncapi-codegen.config.json'), 'utf8'),
  ) as Config;
  const inputPath = path.join(root, config.input);
  const doc = YAML.parse(await readFile(inputPath, 'utf8')) as AsyncApiDocument;

  const messages = doc.components.messages;
  const schema: JSONSchema = {
    title: config.rootTypeName,
    description: 'Every message of the AsyncAPI document, by its key in components.messages.',
    type: 'object',
    additionalProperties: false,
    required: Object.keys(messages),
    properties: Object.fromEntries(Object.entries(messages).map(([key, m]) => [key, m.payload])),
    // Keeps the document's own `#/components/schemas/...` references resolvable.
    components: { schemas: doc.components.schemas },
  } as JSONSchema;

  const ts = await compile(schema, config.rootTypeName, {
    cwd: path.dirname(inputPath),
    bannerComment: '',
    additionalProperties: false,
    format: false,
  });
  const outputPath = path.join(root, config.output);
  await mkdir(path.dirname(outputPath), { recursive: true });
  await writeFile(outputPath, ts);
  return config.output;
}
