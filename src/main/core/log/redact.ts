/** Secrets that must never reach a log line: HF tokens, bearer tokens, signed-URL keys. */
const PATTERNS: Array<[RegExp, string]> = [
  [/hf_[A-Za-z0-9]{6,}/g, 'hf_***'],
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1***'],
  [/(token=)[^&\s#]+/gi, '$1***'],
  [/([?&](?:X-Amz-Signature|X-Amz-Credential|signature|access_key|secret)=)[^&\s]+/gi, '$1***'],
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}
