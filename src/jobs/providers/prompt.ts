/**
 * Writes the video prompt for an order. With an OpenAI-compatible key it asks a chat
 * model; without one, or when that call fails in any way, it falls back to a direct
 * template, so prompt writing can never fail a paid job.
 */
import type { Dispatcher } from 'undici';
import { classifyProviderFailure } from '../classify.js';
import { asObject, callHttp } from './http.js';

/** Where the prompt writer talks to (OPENAI_BASE_URL, OPENAI_API_KEY); no key means template only. */
export interface PromptWriterOptions {
  /** Including the version path, e.g. https://api.openai.com/v1. */
  baseUrl: string;
  apiKey?: string;
  model: string;
  timeoutMs: number;
  dispatcher?: Dispatcher;
}

/** The parts of an order a prompt is written from. */
export interface PromptOrder {
  /** The style the user picked (a template name or its description). */
  template: string;
  productName: string;
  wishes?: string;
}

/** The prompt and which path produced it, so the job log shows when the LLM was skipped. */
export interface WrittenPrompt {
  prompt: string;
  source: 'llm' | 'template';
  /** Why the template was used: `no_key`, a classification code, or `empty_answer`. */
  fallbackReason?: string;
}

/** Longest prompt handed on to the provider; longer LLM answers are cut at a word. */
export const MAX_PROMPT_CHARS = 1800;

const SYSTEM_PROMPT = [
  'You write prompts for a text/image-to-video model that makes short vertical product videos for TikTok.',
  'Write one prompt of at most 120 words in English: scene, camera movement, lighting, mood.',
  'Show the product; do not show real people or faces, do not use brand logos other than the product itself, nothing unsafe.',
  'Answer with the prompt only, no preface and no quotes.',
].join(' ');

/** Asks the LLM when a key is set; any failure yields the template text instead. */
export async function writePrompt(options: PromptWriterOptions, order: PromptOrder): Promise<WrittenPrompt> {
  const fallback = (fallbackReason: string): WrittenPrompt => ({ prompt: renderTemplatePrompt(order), source: 'template', fallbackReason });
  if (!options.apiKey) return fallback('no_key');
  const out = await callHttp({
    url: `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`,
    method: 'POST',
    headers: { authorization: `Bearer ${options.apiKey}` },
    json: {
      model: options.model,
      temperature: 0.7,
      messages: [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: describeOrder(order) },
      ],
    },
    timeoutMs: options.timeoutMs,
    dispatcher: options.dispatcher,
  });
  if (!out.ok) return fallback(classifyProviderFailure({ source: 'network', error: out.error }).code);
  const { answer } = out;
  if (answer.status < 200 || answer.status > 299) return fallback(`http_${answer.status}`);
  const text = readCompletion(answer.json);
  if (!text) return fallback('empty_answer');
  return { prompt: clip(text, MAX_PROMPT_CHARS), source: 'llm' };
}

/** The direct prompt used without an LLM: deterministic, so tests and reruns agree. */
export function renderTemplatePrompt(order: PromptOrder): string {
  const product = oneLine(order.productName);
  const style = oneLine(order.template);
  const wishes = order.wishes ? oneLine(order.wishes) : '';
  const parts = [
    `A short vertical product video in the "${style}" style featuring ${product}.`,
    `The ${product} is the clear focus of every shot, with smooth camera movement, clean lighting and a modern look.`,
  ];
  if (wishes) parts.push(`Wishes: ${wishes}.`);
  return clip(parts.join(' '), MAX_PROMPT_CHARS);
}

function describeOrder(order: PromptOrder): string {
  const lines = [`Product: ${oneLine(order.productName)}`, `Style: ${oneLine(order.template)}`];
  if (order.wishes) lines.push(`Customer wishes: ${oneLine(order.wishes)}`);
  return lines.join('\n');
}

function readCompletion(json: unknown): string | undefined {
  const choices = asObject(json)?.choices;
  if (!Array.isArray(choices) || choices.length === 0) return undefined;
  const content = asObject(asObject(choices[0])?.message)?.content;
  if (typeof content !== 'string') return undefined;
  const text = content.trim().replace(/^["'“]+|["'”]+$/g, '').trim();
  return text || undefined;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/[.]+$/, '');
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return (space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd();
}
