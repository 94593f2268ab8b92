/**
 * Turns a chat message or a template line into text that is safe and short enough to speak:
 * no links read out letter by letter, no control characters, no banned words, a hard cap.
 * Pure: the same input always gives the same output, so it is also the cache's normaliser.
 */

/** How to clean; every field has a default that suits live chat. */
export interface CleanOptions {
  /** Longest result in characters (grapheme clusters); longer text is cut at a word boundary. */
  maxChars?: number;
  /** Words never spoken; matched whole and case-insensitively, `word*` also matches words starting with `word`. */
  bannedWords?: readonly string[];
  /** What a banned word becomes (default: nothing). */
  bannedReplacement?: string;
}

/** The default cap: a few seconds of speech, enough for a chat line, too little for spam. */
export const DEFAULT_TTS_MAX_CHARS = 200;

const URL_PATTERNS: readonly RegExp[] = [
  /\[([^\]]*)\]\([^)\s]*\)/gu, // markdown link: keep its text
  /<(?:https?|ftp):\/\/[^>\s]*>/giu,
  /\b(?:https?|ftp):\/\/\S*/giu,
  /\bwww\.\S+/giu,
  /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu, // e-mail addresses
  /(?<![\p{L}\p{N}@])(?:[\p{L}\p{N}-]+\.)+(?:com|net|org|ru|su|xn--p1ai|рф|io|me|tv|gg|ly|co|app|dev|xyz|info|biz|link|site|online|shop|store|live|ua|by|kz|uk|de)(?![\p{L}\p{N}])(?:[/?#]\S*)?/giu,
];

/** Cleans text for speech; returns '' when nothing speakable is left (callers then skip it). */
export function cleanTtsText(raw: string, options: CleanOptions = {}): string {
  const maxChars = options.maxChars ?? DEFAULT_TTS_MAX_CHARS;
  let text = raw
    .normalize('NFKC') // NFC plus compatibility folding: 𝓱𝓲 and ｈｉ become hi, so banned words and speech see letters
    .replace(/[^\P{Cf}\u200d]|\u200d(?!\p{Extended_Pictographic})/gu, '') // invisible marks that split banned words; emoji joiners stay
    .replace(/[\p{Cc}\u2028\u2029]/gu, ' '); // NUL, newlines, escapes
  text = text.replace(URL_PATTERNS[0]!, '$1');
  for (const pattern of URL_PATTERNS.slice(1)) text = text.replace(pattern, ' ');
  text = collapseRepeats(text);
  text = removeBannedWords(text, options.bannedWords ?? [], options.bannedReplacement ?? '');
  text = text.replace(/\(\s*\)|\[\s*\]|<\s*>/gu, ' ').replace(/\s+/gu, ' ').trim();
  return capLength(text, maxChars);
}

/** Replaces banned words; entries are plain words (regex characters are escaped), `*` at the end = prefix. */
export function removeBannedWords(text: string, banned: readonly string[], replacement = ''): string {
  const alternatives = banned
    .map((word) => word.normalize('NFKC').trim())
    .filter((word) => word.replace(/\*$/u, '').length > 0)
    .map((word) => (word.endsWith('*') ? `${escapeRegExp(word.slice(0, -1))}[\\p{L}\\p{N}]*` : escapeRegExp(word)));
  if (alternatives.length === 0) return text;
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}])`, 'giu');
  return text.replace(pattern, replacement);
}

/** Parses a banned-words setting: comma- or newline-separated, blanks dropped. */
export function parseBannedWords(setting: string | undefined): string[] {
  return (setting ?? '')
    .split(/[,\n]/u)
    .map((word) => word.trim())
    .filter((word) => word.length > 0);
}

/** Escapes text for an SSML document (element content and attribute values alike). */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/gu, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Cuts to at most `max` grapheme clusters, preferring the last space in the final fifth. */
function capLength(text: string, max: number): string {
  const graphemes = Array.from(segmenter.segment(text), (s) => s.segment);
  if (graphemes.length <= max) return text;
  const cut = graphemes.slice(0, max);
  const lastSpace = cut.lastIndexOf(' ');
  const kept = lastSpace >= Math.floor(max * 0.8) ? cut.slice(0, lastSpace) : cut;
  return kept.join('').trim();
}

/** Keeps at most two of any character in a row ("ааааа!!!!! 😂😂😂" → "аа!! 😂😂"); digits stay (1000). */
function collapseRepeats(text: string): string {
  let out = '';
  let previous = '';
  let run = 0;
  for (const { segment } of segmenter.segment(text)) {
    run = segment === previous ? run + 1 : 1;
    previous = segment;
    if (run <= 2 || /^\p{N}$/u.test(segment)) out += segment;
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/gu, '\\$&');
}
