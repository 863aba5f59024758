// Text → vectors through an OpenAI-compatible /embeddings endpoint (OpenAI itself, ollama's /v1, any
// compatible server). Asks for plain float arrays: the SDK's default base64 encoding is not understood
// by every compatible server. Batches large inputs; errors become one ProviderError line.
import type OpenAI from 'openai';
import type { Embedder } from '../agent-types.js';
import { CallGuard } from './call-guard.js';
import { openAIClient } from './openai-provider.js';
import type { ProviderSettings } from './provider-settings.js';
import { translateError } from './sdk-errors.js';

/** Inputs per request: well under OpenAI's 2048 and small enough for a local ollama. */
export const EMBED_BATCH = 128;

export class OpenAICompatibleEmbedder implements Embedder {
  readonly model: string;
  private client: Promise<OpenAI> | undefined;

  /** `settings.model` is the embedding model. */
  constructor(private readonly settings: ProviderSettings) {
    this.model = settings.model;
  }

  private sdk(): Promise<OpenAI> {
    this.client ??= openAIClient(this.settings);
    return this.client;
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += EMBED_BATCH) {
      out.push(...(await this.batch(texts.slice(i, i + EMBED_BATCH), signal)));
    }
    return out;
  }

  private async batch(input: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const guard = new CallGuard(signal);
    try {
      const client = await this.sdk();
      const res = await guard.run(() =>
        client.embeddings.create(
          { model: this.model, input, encoding_format: 'float' },
          { signal: guard.signal },
        ),
      );
      const rows = [...(res.data ?? [])].sort((a, b) => a.index - b.index);
      if (rows.length !== input.length) {
        throw new Error(`asked for ${input.length} embeddings, got ${rows.length}`);
      }
      return rows.map((row) => Float32Array.from(row.embedding as number[]));
    } catch (error) {
      throw translateError(error, {
        settings: this.settings,
        cancelled: guard.cancelled,
      });
    } finally {
      guard.dispose();
    }
  }
}
