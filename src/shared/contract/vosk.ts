import { z } from 'zod';
import { mutation, query } from './define';
import { JobSchema } from './jobs';

/** A Vosk model's name as its zip and folder carry it: `vosk-model-small-ru-0.22`. */
export const VOSK_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,150}$/;

/** What `vosk:<…>` and `vosk install <…>` accept: a model name, or the URL of its zip. */
export interface VoskRef {
  name: string;
  /** null: a name, resolved through the catalogue (or the official models folder). */
  url: string | null;
}

/**
 * `vosk-model-small-ru-0.22` or `https://…/vosk-model-small-ru-0.22.zip` → the model's name (and URL); returns an
 * error message instead of throwing. A URL's last path segment names the model: the download is staged under it
 * and `ensure` looks for a folder of that name.
 */
export function parseVoskRef(text: string): VoskRef | string {
  const s = text.trim();
  if (/^https?:\/\//i.test(s)) {
    if (!z.url({ protocol: /^https?$/ }).safeParse(s).success) return 'must be the URL of a Vosk model zip';
    // A password in the URL would be repeated in errors, logs, job parameters and the registry.
    if (/^https?:\/\/[^/?#]*@/i.test(s)) return 'must not carry a user name or password (user:pass@host); use a URL that needs none';
    let base: string;
    try {
      base = decodeURIComponent(new URL(s).pathname.split('/').pop() ?? '').replace(/\.zip$/i, '');
    } catch {
      base = '';
    }
    if (!VOSK_NAME_RE.test(base)) return "the URL must end with the model's zip name, e.g. …/vosk-model-small-ru-0.22.zip";
    return { name: base, url: s };
  }
  return VOSK_NAME_RE.test(s) ? { name: s, url: null } : 'must be a Vosk model name such as vosk-model-small-ru-0.22 or a zip URL';
}

export const VoskRefSchema = z
  .string()
  .trim()
  .min(1, 'must name a Vosk model or the URL of its zip')
  .superRefine((s, ctx) => {
    const r = parseVoskRef(s);
    if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
  });

/** One model of `resources/vosk-models.json`. */
export const VoskCatalogueEntrySchema = z
  .object({
    name: z.string().regex(VOSK_NAME_RE),
    title: z.string().min(1),
    /** Vosk's own language code (`en-us`, `ru`, `cn`, `vn`), as its model names carry it. */
    language: z.string().regex(/^[a-z]{2,3}(-[a-z]{2})?$/),
    url: z.url({ protocol: /^https?$/ }),
    /** The zip's size in bytes as the site lists it; the download itself is checked against Content-Length. */
    zipBytes: z.number().int().positive(),
    /** Approximate size once unpacked. */
    unpackedMB: z.number().positive(),
    /** Approximate memory the recogniser needs with this model loaded. */
    ramGB: z.number().positive(),
    note: z.string(),
  })
  .refine((m) => m.url.endsWith(`/${m.name}.zip`), { message: 'must end with /<name>.zip', path: ['url'] });
export type VoskCatalogueEntry = z.infer<typeof VoskCatalogueEntrySchema>;

export const VoskCatalogueSchema = z
  .object({ note: z.string(), models: z.array(VoskCatalogueEntrySchema).min(1) })
  .refine((c) => new Set(c.models.map((m) => m.name)).size === c.models.length, { message: 'model names must be unique', path: ['models'] });

export const VoskInstallInputSchema = z.object({
  /** A catalogue name (`vosk-model-small-ru-0.22`), another official model's name, or the URL of any Vosk model zip. */
  model: VoskRefSchema,
  /** Also create a registry model (speech-to-text, provider vosk, path source) with a first development version. */
  register: z.boolean().default(true),
});

/** What a finished `vosk.install` job leaves as its result. */
export const VoskInstallResultSchema = z.object({
  name: z.string(),
  location: z.string(),
  zipBytes: z.number().int().nonnegative(),
  /** Bytes of the installed folder. */
  bytes: z.number().int().nonnegative(),
  /** null when the install was asked not to register; else the model and version created, or why none was. */
  registry: z.object({ model: z.string().nullable(), version: z.string().nullable(), message: z.string() }).nullable(),
});
export type VoskInstallResultDTO = z.infer<typeof VoskInstallResultSchema>;

export const voskContract = {
  'vosk.install': mutation(
    'Download a Vosk model zip (resumable), unpack it safely into the data folder, check it and register it, as a job',
    VoskInstallInputSchema,
    JobSchema,
  ),
  'vosk.recommended': query('The catalogue of known Vosk models (resources/vosk-models.json): URL, language, zip and unpacked size', z.object({}), z.array(VoskCatalogueEntrySchema)),
};
